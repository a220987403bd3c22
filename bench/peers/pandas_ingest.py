import sys
import pandas

df = pandas.read_csv(sys.argv[1])
print(df.shape)
