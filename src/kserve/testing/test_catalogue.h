#pragma once

// A hand-built catalogue for the kserve unit tests: lenet5 (two variants)
// and linear (one), all classification/fashion-mnist, input [1,28,28],
// output "logits" [10]. Test-only.

#include <memory>
#include <string>

#include "controller/selector.h"

namespace infaas::kserve {

inline v1::VariantRecord TestVariant(const std::string& name, const std::string& arch) {
  v1::VariantRecord r;
  v1::ModelConfig* c = r.mutable_config();
  c->set_name(name);
  c->set_architecture(arch);
  c->set_task("classification");
  c->set_dataset("fashion-mnist");
  c->set_framework(v1::FRAMEWORK_TORCHSCRIPT);
  c->mutable_input()->set_name("input");
  for (int64_t d : {1, 28, 28}) c->mutable_input()->add_dims(d);
  c->mutable_output()->set_name("logits");
  c->mutable_output()->add_dims(10);
  return r;
}

inline std::shared_ptr<const controller::Catalogue> TwoArchitectureCatalogue() {
  auto c = std::make_shared<controller::Catalogue>();
  c->variants = {TestVariant("lenet5_torchscript_cpu1_b8", "lenet5"),
                 TestVariant("lenet5_onnx_cpu1_b1", "lenet5"),
                 TestVariant("linear_torchscript_cpu1_b1", "linear")};
  return c;
}

}  // namespace infaas::kserve
