"""The peer for bench/serve.sh: what a team writes without mlpipe serve. Python's own threading
HTTP server, json, and XGBoost's booster on the bundle's model.json, scoring one row per request
from the model's features in order (no transforms: a head start the peer gets for free).
Usage: python3 python_server.py BUNDLE PORT"""
import json
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import xgboost

bundle, port = sys.argv[1], int(sys.argv[2])
manifest = json.load(open(bundle + "/manifest.json"))
features = manifest["features"]
booster = xgboost.Booster()
booster.load_model(bundle + "/model.json")
booster.set_param({"nthread": 1})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as mlpipe serve

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle and delayed ACKs hold each
        # response ~40 ms (as they did mlpipe serve's before it set TCP_NODELAY).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        row = body["row"]
        x = np.array([[float(row.get(f, "nan") if row.get(f) is not None else "nan") for f in features]], dtype=np.float32)
        score = float(booster.inplace_predict(x)[0])
        out = json.dumps({"results": [{"score": score}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


print("serving on http://127.0.0.1:%d" % port, flush=True)
ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
