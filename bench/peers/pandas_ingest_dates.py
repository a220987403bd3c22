# pandas reading the transactions file as a fraud team would: the datetime column parsed.
import sys
import pandas

df = pandas.read_csv(sys.argv[1], parse_dates=["TX_DATETIME"])
print(df.shape, df["TX_DATETIME"].dtype)
