"""Regenerate ``kerasish/datasets/data/digits.npz`` from scikit-learn's bundled copy.

The source is ``sklearn/datasets/data/digits.csv.gz`` from an installed scikit-learn
(1,797 rows of 64 pixel counts in 0..16, then the label). scikit-learn is needed only
to run this script; kerasish reads the npz and never imports scikit-learn.

Run from the repository root:

    /work/venv/bin/python scripts/make_digits.py

It is not run at install time: the npz is committed and shipped as package data.
"""

import argparse
import gzip
import hashlib
import importlib.util
import pathlib

import numpy as np

N_ROWS = 1797
OUT = pathlib.Path(__file__).resolve().parent.parent / "kerasish" / "datasets" / "data" / "digits.npz"


def sklearn_csv_path():
    # find_spec locates the installed package without importing it (importing sklearn
    # pulls in scipy and takes seconds); the csv is a plain file beside its modules.
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("scikit-learn is not installed; it is the source of digits.csv.gz")
    return pathlib.Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "digits.csv.gz"


def read_csv(path):
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    if table.shape != (N_ROWS, 65):
        raise SystemExit(f"expected a ({N_ROWS}, 65) table in {path}, got {table.shape}")
    pixels, labels = table[:, :64], table[:, 64]
    # Check before narrowing to uint8, so a corrupt source cannot wrap around silently.
    if pixels.min() < 0 or pixels.max() > 16:
        raise SystemExit(f"pixel counts must lie in 0..16, got {pixels.min()}..{pixels.max()}")
    if set(np.unique(labels).tolist()) != set(range(10)):
        raise SystemExit(f"labels must be the digits 0..9, got {np.unique(labels)}")
    return pixels.reshape(N_ROWS, 8, 8).astype(np.uint8), labels.astype(np.uint8)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=pathlib.Path, default=None, help="digits.csv.gz (default: sklearn's)")
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    args = parser.parse_args()

    source = args.source or sklearn_csv_path()
    x, y = read_csv(source)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # Rows keep the source order; the train/test split is computed at load time.
    np.savez_compressed(args.out, x=x, y=y)

    print(f"source  {source}")
    print(f"  sha256 {hashlib.sha256(source.read_bytes()).hexdigest()}")
    print(f"wrote   {args.out} ({args.out.stat().st_size:,} bytes)")
    print(f"  x {x.shape} {x.dtype} range {x.min()}..{x.max()}; y {y.shape} {y.dtype}")
    print(f"  class counts {np.bincount(y, minlength=10).tolist()}")


if __name__ == "__main__":
    main()
