"""The HTTP peer for bench/serve_load.sh: FastAPI on uvicorn (Debian's python3-fastapi and
python3-uvicorn) calling XGBoost on the bundle's model.json, one row per request, the model's
features in order (no transforms: a head start the peer gets for free).
Run: MLPIPE_BUNDLE=DIR python3 -m uvicorn --app-dir bench/serve fastapi_server:app --port P --workers 2"""
import json
import os
import socket

import numpy as np
import xgboost
from fastapi import FastAPI, Request

bundle = os.environ["MLPIPE_BUNDLE"]
features = json.load(open(os.path.join(bundle, "manifest.json")))["features"]
booster = xgboost.Booster()
booster.load_model(os.path.join(bundle, "model.json"))
booster.set_param({"nthread": 1})
app = FastAPI()

# uvicorn's protocols leave Nagle on, and a response's two writes then wait ~40 ms for the
# client's delayed ACK; turn it off, as mlpipe serve does, so the peer is measured at its best.
try:
    from uvicorn.protocols.http import h11_impl, httptools_impl
    protocols = [h11_impl.H11Protocol, httptools_impl.HttpToolsProtocol]
except ImportError:
    from uvicorn.protocols.http import h11_impl
    protocols = [h11_impl.H11Protocol]
for proto in protocols:
    original = proto.connection_made

    def connection_made(self, transport, _original=original):
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _original(self, transport)

    proto.connection_made = connection_made


@app.post("/v1/score")
async def score(request: Request):
    row = (await request.json())["row"]
    x = np.array([[np.nan if row.get(f) is None else float(row[f]) for f in features]], dtype=np.float32)
    return {"results": [{"score": float(booster.inplace_predict(x)[0])}]}
