#include "trainers/builtin.h"

#include "core/model/model.h"
#include "trainers/sequence/sequence_trainer.h"
#include "trainers/xgboost/xgboost_trainer.h"

namespace mlpipe {

void register_builtin_trainers() {
  trainer_registry().add(make_xgboost_trainer());
  trainer_registry().add(make_sequence_trainer());
}

}  // namespace mlpipe
