#pragma once
// Globally unique ids for runs (UUIDv7, RFC 9562): 48 bits of Unix milliseconds then 74 random
// bits, so ids sort by creation time and never collide across stores or machines.
#include <string>

namespace mlpipe {

// "0190a3c2-7b1e-7c3d-9f2a-1b2c3d4e5f60"; thread-safe.
std::string new_uuid_v7();

}  // namespace mlpipe
