#include "controller/testing/variant_records.h"

namespace infaas::controller::testing {

v1::VariantRecord MakeVariant(const VariantSpec& spec) {
  v1::VariantRecord r;
  v1::ModelConfig* c = r.mutable_config();
  c->set_name(spec.name);
  c->set_task("classification");
  c->set_dataset("fashion-mnist");
  c->set_architecture(spec.architecture);
  c->set_framework(spec.framework);
  c->set_max_batch_size(spec.max_batch);
  c->set_cpu_threads(spec.threads);
  c->mutable_input()->set_name("input");
  for (int64_t d : spec.dims) c->mutable_input()->add_dims(d);
  c->mutable_output()->set_name("logits");
  c->mutable_output()->add_dims(10);
  v1::VariantProfile* p = r.mutable_profile();
  p->set_variant(spec.name);
  p->set_load_latency_ms(spec.load_ms);
  p->set_peak_memory_bytes(spec.memory_bytes);
  p->set_accuracy_percent(spec.accuracy);
  for (const auto& [batch, ms] : spec.latency) {
    v1::BatchLatency* l = p->add_latency();
    l->set_batch_size(batch);
    l->set_median_ms(ms);
    l->set_p99_ms(ms * 1.5);
  }
  return r;
}

}  // namespace infaas::controller::testing
