"""Gate tables for the file callbacks (TensorBoard, BackupAndRestore, RemoteMonitor):
their arguments are exercised by their own tests, which write real files and serve
real HTTP (the generic callback probe drives a stand-in model without layers or a
file format)."""

_TB = "tests/test_tensorboard.py::"
_BR = "tests/test_backup_and_restore.py::"
_RM = "tests/test_remote_monitor.py::"

ELSEWHERE = {
    **{("callbacks.tensorboard.TensorBoard", arg): _TB + test for arg, test in (
        ("log_dir", "test_evaluate_alone_writes_the_validation_folder"),
        ("write_graph", "test_evaluate_alone_writes_the_validation_folder"),
        # The shared fit of the module's tests (its fixture) passes these three.
        ("histogram_freq", "run"), ("write_images", "run"), ("update_freq", "run"),
        ("write_steps_per_second", "test_write_steps_per_second"),
        ("profile_batch", "test_profile_batch_writes_a_jax_trace"),
        # Refused (the projector reads TensorFlow checkpoints): tested as refusals.
        ("embeddings_freq", "test_bad_arguments_are_refused_by_name"),
        ("embeddings_metadata", "test_bad_arguments_are_refused_by_name"))},
    **{("callbacks.backup.BackupAndRestore", arg): _BR + test for arg, test in (
        ("backup_dir", "test_delete_checkpoint_false_keeps_the_backup"),
        ("delete_checkpoint", "test_delete_checkpoint_false_keeps_the_backup"),
        ("save_freq", "test_per_batch_backups_and_the_previous_copy"),
        ("double_checkpoint", "test_per_batch_backups_and_the_previous_copy"))},
    **{("callbacks.remote.RemoteMonitor", arg): _RM + test for arg, test in (
        ("root", "test_form_post_per_epoch"), ("headers", "test_form_post_per_epoch"),
        ("path", "test_json_post_and_custom_path_and_field"),
        ("field", "test_json_post_and_custom_path_and_field"),
        ("send_as_json", "test_json_post_and_custom_path_and_field"))},
}
ELSEWHERE[("callbacks.ema.SwapEMAWeights", "swap_on_epoch")] = (
    "tests/test_swap_ema.py::test_validation_and_weights_match_keras")
