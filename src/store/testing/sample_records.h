#pragma once

// Small, valid catalogue records for tests of the store and layers above.

#include <string>

#include "infaas/v1/catalogue.pb.h"

namespace infaas::store::testing {

// A variant of `architecture` for (task, dataset) with a two-point latency
// profile and the given accuracy.
inline v1::VariantRecord SampleVariant(const std::string& name, const std::string& architecture,
                                       const std::string& task = "classification",
                                       const std::string& dataset = "fashion-mnist",
                                       double accuracy_percent = 90.0) {
  v1::VariantRecord r;
  v1::ModelConfig* c = r.mutable_config();
  c->set_name(name);
  c->set_task(task);
  c->set_dataset(dataset);
  c->set_architecture(architecture);
  c->set_framework(v1::FRAMEWORK_TORCHSCRIPT);
  c->set_model_file(architecture + ".pt");
  c->mutable_input()->set_name("input");
  c->mutable_input()->set_dtype(v1::DTYPE_FP32);
  for (int d : {1, 28, 28}) c->mutable_input()->add_dims(d);
  c->set_max_batch_size(8);
  c->set_cpu_threads(1);
  v1::VariantProfile* p = r.mutable_profile();
  p->set_variant(name);
  p->set_load_latency_ms(40);
  p->set_accuracy_percent(accuracy_percent);
  for (int b : {1, 8}) {
    v1::BatchLatency* l = p->add_latency();
    l->set_batch_size(b);
    l->set_median_ms(0.5 * b);
  }
  r.set_repository_model(architecture);
  v1::ModelFile* f = r.add_files();
  f->set_path(architecture + ".pt");
  f->set_sha256(std::string(64, 'a'));
  return r;
}

inline v1::OfflineJob SampleJob(const std::string& id, int64_t created_ms) {
  v1::OfflineJob job;
  job.set_id(id);
  job.set_state(v1::OfflineJob::STATE_QUEUED);
  job.set_input_url("file:///data/in");
  job.set_output_url("file:///data/out");
  job.mutable_requirements()->set_architecture("lenet5");
  job.set_created_at_unix_ms(created_ms);
  return job;
}

}  // namespace infaas::store::testing
