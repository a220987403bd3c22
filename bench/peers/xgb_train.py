# The Python way to do what bench/pipelines/xgb.yaml does: read, hold out the last 20 % of rows,
# 100 rounds of hist trees (depth 6, eta 0.1) on 2 threads, test AUC.
import sys
import pandas
import xgboost
from sklearn.metrics import roc_auc_score

df = pandas.read_csv(sys.argv[1])
n = len(df)
cut = int(n * 0.8)
features = [c for c in df.columns if c not in ("row", "label")]
train, test = df.iloc[:cut], df.iloc[cut:]
dtrain = xgboost.DMatrix(train[features], label=train["label"])
dtest = xgboost.DMatrix(test[features], label=test["label"])
params = {"objective": "binary:logistic", "tree_method": "hist", "max_depth": 6, "eta": 0.1, "nthread": 2, "seed": 0}
booster = xgboost.train(params, dtrain, num_boost_round=100)
print("auc", repr(roc_auc_score(test["label"], booster.predict(dtest))))
