#include <doctest/doctest.h>

#include "core/store/store_layout.h"
#include "core/util/error.h"

using namespace mlpipe;

TEST_CASE("store addresses: a postgresql:// address is split into the server and the objects folder") {
  StoreLayout s = parse_postgres_store("postgresql://ml:s3cret@db.internal:5432/mlpipe?sslmode=require&objects=/shared/ml%20objects");
  CHECK(s.on_server());
  CHECK(s.root() == "/shared/ml objects");
  CHECK(s.db().conninfo() == "postgresql://ml:s3cret@db.internal:5432/mlpipe?sslmode=require");
  CHECK(s.db().string() == "postgresql://ml@db.internal:5432/mlpipe");  // never the password
  CHECK(s.shown().find("s3cret") == std::string::npos);
  CHECK(is_postgres_url("postgres://h/db"));
  CHECK_FALSE(is_postgres_url("/srv/store"));
  CHECK_THROWS_WITH_AS(parse_postgres_store("postgresql://h/db"),
                       doctest::Contains("add ?objects=FOLDER"), ConfigError);
  CHECK_THROWS_WITH_AS(chosen_store("?objects=/x"), doctest::Contains("not a store address either"), ConfigError);
  CHECK_FALSE(StoreLayout("/srv/store").on_server());
  CHECK(StoreLayout("/srv/store").db().file() == "/srv/store/store.db");
}
