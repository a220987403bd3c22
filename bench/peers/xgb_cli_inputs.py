#!/usr/bin/python3
"""Cuts bench/data/binary.csv into what the xgboost CLI can read (see xgb_cli.sh): DIR/train.csv
(first 80 % of rows) and DIR/test.csv, label first, the features after, no header, no row column.
Usage: xgb_cli_inputs.py binary.csv DIR"""
import os
import sys

src, out_dir = sys.argv[1], sys.argv[2]
os.makedirs(out_dir, exist_ok=True)
with open(src) as f:
    header = f.readline().rstrip("\n").split(",")
    rows = sum(1 for _ in f)
label = header.index("label")
feats = [i for i, c in enumerate(header) if c not in ("row", "label")]
cut = int(rows * 0.8)
with open(src) as f, open(os.path.join(out_dir, "train.csv"), "w") as train, \
        open(os.path.join(out_dir, "test.csv"), "w") as test:
    f.readline()
    for k, line in enumerate(f):
        v = line.rstrip("\n").split(",")
        (train if k < cut else test).write(",".join([v[label]] + [v[i] for i in feats]) + "\n")
