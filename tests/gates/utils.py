"""Gate tables of the data utilities area: kerasish.utils (images, datasets from folders
and arrays, pad_sequences, Progbar, Config), kerasish.backend, kerasish.config and
kerasish.preprocessing (tests/gates/README.md)."""

MODULES = ["kerasish.backend", "kerasish.config", "kerasish.preprocessing",
           "kerasish.preprocessing.image", "kerasish.preprocessing.sequence"]

_IMG = "tests/test_image_utils.py::"
_SEQ = "tests/test_sequence_utils.py::"
_BC = "tests/test_backend_config.py::"
_IDS = "utils.image_dataset.image_dataset_from_directory"
_TDS = "utils.text_dataset.text_dataset_from_directory"
_TS = "utils.timeseries_dataset.timeseries_dataset_from_array"
_ADS = "utils.audio_dataset.audio_dataset_from_directory"

_FORMAT = ("Keras's choice of output library ('tf': a tf.data.Dataset, 'grain': a grain "
           "dataset); kerasish returns its own PyDataset for both, with the same content as "
           "Keras's, and refuses any other value (the test named in ELSEWHERE's neighbours "
           "checks the refusal)")

ELSEWHERE = {
    **{(_IDS, arg): _IMG + test for arg, test in (
        ("labels", "test_explicit_labels_and_no_labels"),
        ("label_mode", "test_label_modes"),
        ("class_names", "test_hand_checked_order_without_shuffle"),
        ("color_mode", "test_images_equal_keras_loader"),
        ("batch_size", "test_hand_checked_order_without_shuffle"),
        ("image_size", "test_images_equal_keras_loader"),
        ("shuffle", "test_hand_checked_order_without_shuffle"),
        ("seed", "test_each_pass_reshuffles_from_the_seed"),
        ("validation_split", "test_file_order_and_split_equal_keras"),
        ("subset", "test_file_order_and_split_equal_keras"),
        ("interpolation", "test_images_equal_keras_loader"),
        ("follow_links", "test_follow_links"),
        ("crop_to_aspect_ratio", "test_images_equal_keras_loader"),
        ("pad_to_aspect_ratio", "test_images_equal_keras_loader"),
        ("data_format", "test_images_equal_keras_loader"),
        ("verbose", "test_unbatched_same_size_native_and_verbose"))},
    **{(_TDS, arg): _SEQ + test for arg, test in (
        ("labels", "test_text_max_length_modes_and_unbatched"),
        ("label_mode", "test_text_max_length_modes_and_unbatched"),
        ("class_names", "test_text_max_length_modes_and_unbatched"),
        ("batch_size", "test_text_max_length_modes_and_unbatched"),
        ("max_length", "test_text_max_length_modes_and_unbatched"),
        ("shuffle", "test_text_max_length_modes_and_unbatched"),
        ("seed", "test_text_files_and_labels_equal_keras"),
        ("validation_split", "test_text_files_and_labels_equal_keras"),
        ("subset", "test_text_files_and_labels_equal_keras"),
        ("follow_links", "test_text_follow_links_and_verbose"),
        ("verbose", "test_text_follow_links_and_verbose"))},
    **{(_ADS, arg): _SEQ + test for arg, test in (
        ("labels", "test_audio_decoding_padding_and_order"),
        ("label_mode", "test_audio_decoding_padding_and_order"),
        ("class_names", "test_audio_class_names_follow_links_and_verbose"),
        ("batch_size", "test_audio_decoding_padding_and_order"),
        ("sampling_rate", "test_audio_errors"),
        ("output_sequence_length", "test_audio_decoding_padding_and_order"),
        ("ragged", "test_audio_errors"),
        ("shuffle", "test_audio_decoding_padding_and_order"),
        ("seed", "test_audio_decoding_padding_and_order"),
        ("validation_split", "test_audio_decoding_padding_and_order"),
        ("subset", "test_audio_decoding_padding_and_order"),
        ("follow_links", "test_audio_class_names_follow_links_and_verbose"),
        ("verbose", "test_audio_class_names_follow_links_and_verbose"))},
    **{(_TS, arg): _SEQ + test for arg, test in (
        ("sequence_stride", "test_timeseries_windows_equal_hand_computed"),
        ("sampling_rate", "test_timeseries_windows_equal_hand_computed"),
        ("batch_size", "test_timeseries_windows_equal_hand_computed"),
        ("start_index", "test_timeseries_windows_equal_hand_computed"),
        ("end_index", "test_timeseries_windows_equal_hand_computed"),
        ("shuffle", "test_timeseries_shuffle_is_keras_permutation"),
        ("seed", "test_timeseries_shuffle_is_keras_permutation"))},
    **{("utils.sequence_utils.pad_sequences", arg): _SEQ + test for arg, test in (
        ("maxlen", "test_pad_sequences_equals_keras"),
        ("padding", "test_pad_sequences_equals_keras"),
        ("truncating", "test_pad_sequences_equals_keras"),
        ("dtype", "test_pad_sequences_dtypes_and_values_equal_keras"),
        ("value", "test_pad_sequences_dtypes_and_values_equal_keras"))},
    **{("utils.dataset_utils.split_dataset", arg): _SEQ + test for arg, test in (
        ("left_size", "test_split_sizes_equal_keras"),
        ("right_size", "test_split_sizes_equal_keras"),
        ("shuffle", "test_split_shuffle_is_keras_python_random_order"),
        ("seed", "test_split_shuffle_is_keras_python_random_order"),
        ("preferred_backend", "test_split_errors_match_keras"))},
    **{("utils.image_utils.load_img", arg): _IMG + "test_load_img_equals_keras"
       for arg in ("color_mode", "target_size", "interpolation", "keep_aspect_ratio")},
    ("utils.image_utils.array_to_img", "data_format"):
        _IMG + "test_array_to_img_and_back_equal_keras",
    ("utils.image_utils.array_to_img", "scale"): _IMG + "test_array_to_img_and_back_equal_keras",
    ("utils.image_utils.array_to_img", "dtype"):
        _IMG + "test_array_to_img_dtype_and_save_img_data_format",
    ("utils.image_utils.img_to_array", "data_format"):
        _IMG + "test_array_to_img_and_back_equal_keras",
    ("utils.image_utils.img_to_array", "dtype"): _IMG + "test_array_to_img_and_back_equal_keras",
    ("utils.image_utils.save_img", "data_format"):
        _IMG + "test_array_to_img_dtype_and_save_img_data_format",
    ("utils.image_utils.save_img", "file_format"): _IMG + "test_save_img_writes_what_keras_writes",
    ("utils.image_utils.save_img", "scale"): _IMG + "test_save_img_writes_what_keras_writes",
    ("utils.image_utils.smart_resize", "interpolation"): _IMG + "test_smart_resize_equals_keras",
    ("utils.image_utils.smart_resize", "data_format"): _IMG + "test_smart_resize_equals_keras",
    ("utils.normalize", "axis"): _BC + "test_normalize_equals_keras",
    ("utils.normalize", "order"): _BC + "test_normalize_equals_keras",
    **{("utils.progbar.Progbar", arg): _BC + "test_progbar_options" for arg in (
        "target", "width", "verbose", "interval", "stateful_metrics", "stateless_metrics",
        "unit_name")},
    ("utils.progbar.Progbar.add", "values"): _BC + "test_progbar_options",
    ("utils.progbar.Progbar.update", "values"): _BC + "test_progbar_options",
    ("utils.progbar.Progbar.update", "finalize"): _BC + "test_progbar_options",
    ("backend.clear_session", "free_memory"):
        _BC + "test_clear_session_free_memory_collects_garbage",
    ("backend.get_uid", "prefix"): _BC + "test_uids_and_clear_session_follow_layer_names",
}

NOT_APPLICABLE = {(key, "format"): _FORMAT for key in (_IDS, _TDS, _TS)}


def probes(h):
    from kerasish import utils

    @h.probe("utils.config_utils.Config", "**kwargs")
    def _config_entries(arg):
        return h._differ(utils.Config(units=3).as_dict(), utils.Config().as_dict(), arg)

    @h.probe("utils.config_utils.Config.get", "value")
    def _config_get_default(arg):
        c = utils.Config(units=3)
        return h._differ(c.get("missing", "fallback"), c.get("missing"), arg)

    @h.probe("utils.config_utils.Config.update", "**kwargs")
    def _config_update(arg):
        c = utils.Config(units=3)
        c.update(units=5, rate=0.5)
        return h._differ(c.as_dict(), utils.Config(units=3).as_dict(), arg)

    @h.probe("utils.image_utils.save_img", "**kwargs")
    def _save_img_passes_pillow_options(arg):
        import numpy as np
        x = np.random.default_rng(0).uniform(0, 255, size=(16, 16, 3))
        utils.save_img("low.jpg", x, quality=5)
        utils.save_img("high.jpg", x, quality=95)
        with open("low.jpg", "rb") as low, open("high.jpg", "rb") as high:
            return h._differ(len(low.read()), len(high.read()), arg)
