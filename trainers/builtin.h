#pragma once
// The table of trainers compiled into mlpipe. Explicit on purpose: self-registering static
// objects can be dropped silently by a static link.
namespace mlpipe {

void register_builtin_trainers();

}  // namespace mlpipe
