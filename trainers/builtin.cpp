#include "trainers/builtin.h"

#include "core/model/model.h"
#include "trainers/xgboost/xgboost_trainer.h"

namespace mlpipe {

void register_builtin_trainers() {
  trainer_registry().add(make_xgboost_trainer());
}

}  // namespace mlpipe
