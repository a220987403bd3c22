# XGBoost's own CSV loader (the first column is taken as the label; the cost is the parse).
import sys
import xgboost

d = xgboost.DMatrix(sys.argv[1] + "?format=csv&label_column=0")
print(d.num_row(), d.num_col())
