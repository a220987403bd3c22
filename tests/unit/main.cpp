#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "trainers/builtin.h"

int main(int argc, char** argv) {
  mlpipe::register_builtin_trainers();
  doctest::Context ctx(argc, argv);
  return ctx.run();
}
