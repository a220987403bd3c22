#include <doctest/doctest.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "core/data/csv_reader.h"
#include "core/util/error.h"

using namespace mlpipe;

namespace {
Table parse(const std::string& text, CsvOptions opt = {}) { return parse_csv(text, "t.csv", opt); }
std::string error_of(const std::string& text, CsvOptions opt = {}) {
  try {
    parse(text, opt);
  } catch (const StepError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("quoted fields hold delimiters, doubled quotes and newlines") {
  Table t = parse("id,name,v\n1,\"Smith, J\",2\n2,\"say \"\"hi\"\"\",3\n3,\"two\nlines\",4\n");
  REQUIRE(t.rows() == 3);
  const Column& name = t.at("name");
  CHECK(name.type == ColumnType::kCategorical);
  CHECK(name.text(0) == "Smith, J");
  CHECK(name.text(1) == "say \"hi\"");
  CHECK(name.text(2) == "two\nlines");
  CHECK(t.at("v").num == std::vector<double>{2, 3, 4});
}

TEST_CASE("CRLF line ends, a UTF-8 BOM and a missing final newline") {
  Table t = parse("\xEF\xBB\xBF" "a,b\r\n1,2\r\n3,4");
  CHECK(t.names() == std::vector<std::string>{"a", "b"});
  CHECK(t.at("b").num == std::vector<double>{2, 4});
}

TEST_CASE("missing values: empty, NA, nan and the like") {
  Table t = parse("a,b\n1,\nNA,2\nnan,NaN\n,N/A\n4,5\n");
  const Column& a = t.at("a");
  CHECK(a.type == ColumnType::kNumeric);
  CHECK(a.num[0] == 1);
  CHECK(std::isnan(a.num[1]));
  CHECK(std::isnan(a.num[2]));
  CHECK(std::isnan(a.num[3]));
  CHECK(t.at("b").missing(0));
  CHECK(t.at("b").missing(3));
}

TEST_CASE("scientific notation, signs and spaces parse as numbers") {
  Table t = parse("x\n5.00E+05\n-1.5e-3\n+7\n 12 \n");
  CHECK(t.at("x").num == std::vector<double>{500000, -0.0015, 7, 12});
}

TEST_CASE("type inference and explicit overrides") {
  CsvOptions opt;
  opt.types["code"] = ColumnType::kCategorical;
  Table t = parse("code,city,n\n10,Paris,1\n20,Lyon,2\n10,Paris,3\n", opt);
  CHECK(t.at("code").type == ColumnType::kCategorical);
  CHECK(t.at("code").dict == std::vector<std::string>{"10", "20"});
  CHECK(t.at("city").type == ColumnType::kCategorical);  // text inferred
  CHECK(t.at("city").codes == std::vector<int32_t>{0, 1, 0});
  CHECK(t.at("n").type == ColumnType::kNumeric);
  opt.types = {{"city", ColumnType::kNumeric}};
  CHECK(error_of("code,city\n1,2\n3,Lyon\n", opt) ==
        "t.csv:3: column 'city' is declared numeric but holds text ('Lyon'); fix the data or declare it categorical");
  opt.types = {{"town", ColumnType::kNumeric}};
  CHECK(error_of("code,city\n1,2\n", opt) == "t.csv: types: no column 'town' in the header");
}

TEST_CASE("ISO datetimes are inferred as datetime columns, never as categories") {
  Table t = parse("t,x,d\n2018-04-01 00:00:31,1,2018-04-01\n,2,2018-04-02\n2018-04-01T02:00:00+02:00,3,NA\n");
  const Column& c = t.at("t");
  CHECK(c.type == ColumnType::kDatetime);
  CHECK(c.num[0] == 1522540831);
  CHECK(std::isnan(c.num[1]));
  CHECK(c.num[2] == 1522540800);  // the offset is taken off
  CHECK(c.text(0) == "2018-04-01 00:00:31");
  CHECK(c.dict.empty());
  CHECK(t.at("d").type == ColumnType::kDatetime);
  CHECK(t.at("d").missing(2));
  // Missing first, then datetimes: found on the second pass.
  CHECK(parse("a,t\n1,\n2,2018-04-01\n").at("t").type == ColumnType::kDatetime);
  // Datetimes with other text, or with numbers, are text: nothing is lost.
  Table mixed = parse("t,u\n2018-04-01,2018-04-01\nsoon,5\n");
  CHECK(mixed.at("t").type == ColumnType::kCategorical);
  CHECK(mixed.at("t").dict == std::vector<std::string>{"2018-04-01", "soon"});
  CHECK(mixed.at("u").type == ColumnType::kCategorical);
  CHECK(mixed.at("u").text(1) == "5");
  // Epoch numbers stay numbers unless declared.
  CHECK(parse("t\n930105\n").at("t").type == ColumnType::kNumeric);
}

TEST_CASE("declared datetimes: formats, epoch units and errors naming the line") {
  CsvOptions opt;
  opt.types = {{"d", ColumnType::kDatetime}, {"ms", ColumnType::kDatetime}, {"e", ColumnType::kDatetime}};
  opt.time_formats["d"] = TimeFormat{"%y%m%d", 1};
  opt.time_formats["ms"] = TimeFormat{"", 1e-3};
  Table t = parse("d,ms,e\n930105,1522540831000,1522540831\n991231,,2018-04-01\n000229,5,0\n", opt);
  CHECK(t.at("d").text(0) == "1993-01-05 00:00:00");
  CHECK(t.at("d").text(1) == "1999-12-31 00:00:00");
  CHECK(t.at("d").text(2) == "2000-02-29 00:00:00");
  CHECK(t.at("ms").num[0] == 1522540831);
  CHECK(t.at("ms").missing(1));
  CHECK(t.at("e").num == std::vector<double>{1522540831, 1522540800, 0});
  CHECK(error_of("d,ms,e\n930105,1,1\n931305,1,1\n", opt) ==
        "t.csv:3: column 1: '931305' is not a datetime in the format \"%y%m%d\"");
  CHECK(error_of("d,ms,e\n930105,1,1\n930105,1,noon\n", opt).find("t.csv:3: column 3: 'noon' is not a datetime") == 0);
}

TEST_CASE("datetime text: ISO forms, offsets, formats and printing") {
  CHECK(*parse_datetime("2018-04-01T00:00:31.250Z") == 1522540831.25);
  CHECK(*parse_datetime("2018-04-01 02:00:31+02:00") == 1522540831);
  CHECK(*parse_datetime("2018-04-01 02:00:31+0200") == 1522540831);
  CHECK(*parse_datetime("2018-03-31 19:00:31-05") == 1522540831);
  CHECK(*parse_datetime("2018-04-01 00:00") == 1522540800);
  CHECK_FALSE(parse_datetime("2018-02-30"));
  CHECK_FALSE(parse_datetime("2018-04-01 00:00:31+25:00"));
  CHECK_FALSE(parse_datetime("2018-04-01 00:00:31."));
  CHECK(*parse_time("01/04/2018 10:30", TimeFormat{"%d/%m/%Y %H:%M", 1}) == 1522578600);
  CHECK(*parse_time("2018-091", TimeFormat{"%Y-%j", 1}) == 1522540800);
  CHECK(*parse_time("01-Apr-2018", TimeFormat{"%d-%b-%Y", 1}) == 1522540800);
  CHECK_FALSE(parse_time("01/04/2018 x", TimeFormat{"%d/%m/%Y", 1}));
  CHECK(check_time_format("%d/%m/%Y") == "");
  CHECK(check_time_format("%d/%q").find("unknown directive %q") == 0);
  CHECK(check_time_format("yymmdd") == "the format has no directive such as %Y or %d");
  CHECK(format_datetime(1522540831.25) == "2018-04-01 00:00:31.25");
  CHECK(format_datetime(-86400) == "1969-12-31 00:00:00");
  CHECK(*parse_datetime(format_datetime(1522540831.000125)) == 1522540831.000125);
}

TEST_CASE("numeric missing-value sentinels are missing on the fast path too") {
  CsvOptions opt;
  opt.na_values = {"", "NA", "-999"};
  Table t = parse("x,y,s\n1,-999,a\n-999.0,2,-999\n3,4,b\n", opt);
  CHECK(t.at("x").num[0] == 1);
  CHECK(std::isnan(t.at("x").num[1]));  // -999.0 is the same number
  CHECK(std::isnan(t.at("y").num[0]));
  CHECK(t.at("y").num[1] == 2);
  CHECK(t.at("s").missing(1));          // and as text
  CHECK(t.at("s").text(0) == "a");
  CHECK(parse("x\n-999\n").at("x").num[0] == -999);  // not by default
}

TEST_CASE("a number beyond the range of doubles is an error, not a text column") {
  CHECK(error_of("x\n1\n1e400\n") ==
        "t.csv:3: column 1: '1e400' is beyond the range of numbers (about 1.8e308); fix the value or declare the column categorical");
  CHECK(error_of("x\n1e400\n1\n").find("t.csv:2: column 1: '1e400' is beyond") == 0);
  CHECK(parse("x\n1e-400\n").at("x").num[0] == 0);
}

TEST_CASE("malformed rows are errors with the file and line") {
  CHECK(error_of("a,b\n1,2\n3\n") == "t.csv:3: expected 2 fields (as in the header), found 1");
  CHECK(error_of("a,b\n1,2\n3,4,5\n") == "t.csv:3: expected 2 fields (as in the header), found 3");
  CHECK(error_of("a,b\n1,\"open\n2,3\n") == "t.csv:2: unterminated quoted field");
  CHECK(error_of("a,b\n1,\"x\"y\n") == "t.csv:2: unexpected character after a closing quote (field 2)");
  CHECK(error_of("a,b\n1,x\"y\n") == "t.csv:2: unexpected quote inside an unquoted field (field 2)");
  CHECK(error_of("a,b\n\"multi\nline\",1\n1\n") == "t.csv:4: expected 2 fields (as in the header), found 1");
}

TEST_CASE("header problems") {
  CHECK(error_of("") == "t.csv: the file is empty (expected a header line)");
  CHECK(error_of("a,b,a\n1,2,3\n") == "t.csv:1: duplicate column name 'a' (columns 1 and 3)");
  // An unnamed column (pandas' row number) is an error that says how to name it, not a feature.
  CHECK(error_of(",x\n1,2\n") ==
        "t.csv:1: column 1 has no name in the header (often a row number written by pandas); name it on the ingest "
        "step, e.g. header_names: {1: row_number}, then leave it out with drop: [row_number] or use it as id: row_number");
  CsvOptions named;
  named.header_names[1] = "row_number";
  Table t = parse_csv(",x\n1,2\n", "t.csv", named);
  CHECK(t.names() == std::vector<std::string>{"row_number", "x"});
  named.header_names[3] = "nope";
  CHECK_THROWS_WITH(parse_csv(",x\n1,2\n", "t.csv", named),
                    "t.csv: header_names: the header has 2 columns, there is no column 3");
  CHECK(parse("a,b\n").rows() == 0);
}

TEST_CASE("tab-separated files") {
  Table t = parse_csv("a\tb\n1\t2\n", "t.tsv", {});
  CHECK(t.at("b").num == std::vector<double>{2});
}

TEST_CASE("parallel chunks give exactly the single-threaded result") {
  // ~3 MB with quoted newlines and quotes near every chunk boundary candidate.
  std::string text = "id,note,x,cat\n";
  for (int i = 0; i < 60000; ++i) {
    text += std::to_string(i) + ",";
    text += (i % 7 == 0) ? "\"line one\nline \"\"two\"\", end\"" : "plain";
    text += "," + std::to_string(i * 0.25) + ",c" + std::to_string(i % 13) + "\n";
  }
  CsvOptions one, many;
  one.threads = 1;
  many.threads = 4;
  Table a = parse(text, one), b = parse(text, many);
  REQUIRE(a.rows() == 60000);
  REQUIRE(b.rows() == 60000);
  CHECK(a.at("x").num == b.at("x").num);
  CHECK(a.at("note").codes == b.at("note").codes);
  CHECK(a.at("note").dict == b.at("note").dict);
  CHECK(a.at("cat").dict == b.at("cat").dict);
  CHECK(b.at("note").text(7) == "line one\nline \"two\", end");
  CHECK(b.at("id").num.back() == 59999);
  std::string bad = text + "1,2\n";
  CHECK(error_of(bad, many) == "t.csv:" + std::to_string(60000 + 60000 / 7 + 1 + 1 + 1) +
                                   ": expected 4 fields (as in the header), found 2");
}

TEST_CASE("numbers parse bit-identically to std::from_chars, whatever their form") {
  // The reader's fast decimal path (m / 10^k) must agree with from_chars on every input it takes.
  std::string text = "v\n";
  std::vector<std::string> cells;
  uint64_t state = 12345;
  auto next = [&] { return state = state * 6364136223846793005ULL + 1442695040888963407ULL; };
  const char* forms[] = {"%.4f", "%.0f", "%.17g", "%.6e", "%.22f", "%.15f", "%.1f"};
  for (int i = 0; i < 20000; ++i) {
    double mag = std::pow(10.0, double(int(next() % 40) - 20));
    double v = (double(next() >> 11) / double(1ULL << 53) - 0.5) * mag;
    char buf[96];
    std::snprintf(buf, sizeof buf, forms[i % 7], v);
    cells.push_back(buf);
  }
  for (const char* s : {"9007199254740993", "9007199254740992.5", "0.1", "-0.0", "1234567890123456789",
                        "12345678901234567890", "0.0000000000000000000001", "1e5", "-inf", "nan"})
    cells.push_back(s);
  for (const auto& c : cells) text += c + "\n";
  CsvOptions one;
  one.threads = 1;
  Table t = parse(text, one);
  REQUIRE(t.at("v").type == ColumnType::kNumeric);
  REQUIRE(t.at("v").num.size() == cells.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    double want;
    std::from_chars(cells[i].data(), cells[i].data() + cells[i].size(), want);
    double got = t.at("v").num[i];
    INFO(cells[i]);
    CHECK((std::memcmp(&got, &want, sizeof got) == 0 || (std::isnan(got) && std::isnan(want))));
  }
}

TEST_CASE("a file read through its windows gives exactly what the text gives") {
  // read_csv copies a mapped file in 512 KB windows; records that cross a window's end (quoted
  // newlines, a record longer than a window) and error lines must come out as from memory.
  std::string text = "id,note,x,cat\n";
  for (int i = 0; i < 40000; ++i) {
    text += std::to_string(i) + ",";
    if (i % 9 == 0) text += "\"a\nb\n\"\"c\"\"\"";
    else if (i == 20000) text += std::string(700 << 10, 'w');  // longer than a window
    else text += (i % 5 == 0) ? "NA" : "plain";
    text += "," + (i % 11 == 0 ? std::string("NA") : std::to_string(i * 0.5)) + ",c" + std::to_string(i % 13) + "\r\n";
  }
  auto path = std::filesystem::temp_directory_path() / ("mlpipe_csv_windows_" + std::to_string(::getpid()) + ".csv");
  auto write = [&](const std::string& s) {
    FILE* f = std::fopen(path.c_str(), "wb");
    REQUIRE(f);
    std::fwrite(s.data(), 1, s.size(), f);
    std::fclose(f);
  };
  for (unsigned threads : {1u, 2u, 3u}) {
    CsvOptions opt;
    opt.threads = threads;
    // With and without a UTF-8 BOM: the parsed text then starts 3 bytes into the file.
    write(threads == 2 ? "\xEF\xBB\xBF" + text : text);
    Table a = read_csv(path, opt), b = parse_csv(text, path.string(), opt);
    REQUIRE(a.rows() == 40000);
    for (const char* c : {"id", "x"})
      CHECK(std::memcmp(a.at(c).num.data(), b.at(c).num.data(), a.rows() * sizeof(double)) == 0);
    CHECK(a.at("note").codes == b.at("note").codes);
    CHECK(a.at("note").dict == b.at("note").dict);
    CHECK(a.at("cat").codes == b.at("cat").codes);
    CHECK(a.at("note").text(9) == "a\nb\n\"c\"");
    CHECK(a.at("note").text(20000).size() == size_t(700 << 10));
  }
  write(text + "1,2\n");
  std::string expected = path.string() + ":" + std::to_string(40000 + 2 * (40000 / 9 + 1) + 2) +
                         ": expected 4 fields (as in the header), found 2";
  for (unsigned threads : {1u, 2u}) {
    CsvOptions opt;
    opt.threads = threads;
    std::string got = "no error";
    try {
      read_csv(path, opt);
    } catch (const StepError& e) {
      got = e.what();
    }
    CHECK(got == expected);
  }
  std::filesystem::remove(path);
}

TEST_CASE("thousands separators: numbers when asked for, text otherwise") {
  const std::string csv = "id,income,grade\n1,\"41,190\",a\n2,900,b\n3,\"1,234,567.5\",c\n4,,d\n";
  SUBCASE("without the option the column is text, as pandas reads it") {
    CHECK(parse(csv).at("income").type == ColumnType::kCategorical);
  }
  CsvOptions opt;
  opt.thousands = ',';
  Table t = parse(csv, opt);
  const Column& income = t.at("income");
  REQUIRE(income.type == ColumnType::kNumeric);
  CHECK(income.num[0] == 41190.0);  // the first record decides the first guess: a number
  CHECK(income.num[1] == 900.0);
  CHECK(income.num[2] == 1234567.5);
  CHECK(std::isnan(income.num[3]));
  // A space between digits, in a file whose delimiter is ';' (no quotes needed).
  opt.thousands = ' ';
  Table s = parse("a;b\n12 500;x\n3;y\n", opt);
  CHECK(s.at("a").num[0] == 12500.0);
  // Only between digits and before the decimal point: anything else is text, not a guess.
  opt.thousands = ',';
  for (const char* bad : {"\",5\"", "\"5,\"", "\"1,,2\"", "\"1.5,2\"", "\"1,a\""}) {
    INFO(bad);
    CHECK(parse(std::string("a,b\n1,x\n") + bad + ",y\n", opt).at("a").type == ColumnType::kCategorical);
  }
  // A column declared numeric that holds such text names the line.
  opt.types["a"] = ColumnType::kNumeric;
  CHECK(error_of("a,b\n\"1,000\",x\n\"1,,2\",y\n", opt).find("t.csv:3:") != std::string::npos);
}

TEST_CASE("a decimal comma, with or without '.' between thousands") {
  CsvOptions opt;
  opt.decimal = ',';
  // ';'-delimited, as such files are: the fast path and the quoted (general) path alike.
  Table t = parse("a;b;c\n3,5;x;-0,25\n\"1,5\";y;7\n12;z;\n", opt);
  const Column& a = t.at("a");
  REQUIRE(a.type == ColumnType::kNumeric);
  CHECK(a.num[0] == 3.5);
  CHECK(a.num[1] == 1.5);
  CHECK(a.num[2] == 12.0);
  CHECK(t.at("c").num[0] == -0.25);
  CHECK(std::isnan(t.at("c").num[2]));
  // A '.' is not this file's decimal point: text (as pandas with decimal=',' reads it).
  CHECK(parse("a;b\n3,5;x\n3.5;y\n", opt).at("a").type == ColumnType::kCategorical);
  opt.thousands = '.';
  Table g = parse("a;b\n1.234,5;x\n2.000.000;y\n7;z\n", opt);
  CHECK(g.at("a").num[0] == 1234.5);
  CHECK(g.at("a").num[1] == 2000000.0);
  // The same parse serve's requests and predict's files go through.
  double v = 0;
  const std::string s = " 1.234,5 ";
  CHECK(parse_field_number(s.data(), s.data() + s.size(), opt, v));
  CHECK(v == 1234.5);
}
