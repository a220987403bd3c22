"""The peer of build/mlpipe_serve_score_bench: one /v1/score request's work without the HTTP, in
Python (parse the JSON body, the row into a float32 array in the model's feature order,
xgboost.Booster.inplace_predict on one thread, the response as JSON), per request.
Prints one JSON line. Usage: python3 python_score_bench.py BUNDLE BODY_FILE [REQUESTS]"""
import json
import os
import sys
import time

import numpy as np
import xgboost

bundle, body_file = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
features = json.load(open(os.path.join(bundle, "manifest.json")))["features"]
booster = xgboost.Booster()
booster.load_model(os.path.join(bundle, "model.json"))
booster.set_param({"nthread": 1})
body = open(body_file).read()


def handle(text):
    row = json.loads(text)["row"]
    x = np.array([[np.nan if row.get(f) is None else float(row[f]) for f in features]], dtype=np.float32)
    return json.dumps({"results": [{"score": float(booster.inplace_predict(x)[0])}]})


for _ in range(200):
    handle(body)
times = []
for _ in range(n):
    t0 = time.perf_counter()
    handle(body)
    times.append((time.perf_counter() - t0) * 1e6)
s = sorted(times)
print(json.dumps({"requests": n, "mean_us": round(sum(times) / n, 2), "p50_us": round(s[n // 2], 2),
                  "p99_us": round(s[n * 99 // 100], 2)}))
