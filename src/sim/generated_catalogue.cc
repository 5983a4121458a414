#include "sim/generated_catalogue.h"

#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace infaas::sim {
namespace {

v1::VariantRecord Variant(const GeneratedCatalogueOptions& options, const std::string& arch,
                          v1::Framework framework, int threads, int max_batch, double b1_ms,
                          double amortised, double accuracy) {
  const std::string framework_name = framework == v1::FRAMEWORK_ONNX ? "onnx" : "torchscript";
  const std::string name =
      absl::StrCat(arch, "_", framework_name, "_cpu", threads, "_b", max_batch);
  const double speed = (threads == 2 ? 1 / 1.6 : 1.0) * (framework == v1::FRAMEWORK_ONNX ? 1 : 1.3);
  v1::VariantRecord r;
  v1::ModelConfig* c = r.mutable_config();
  c->set_name(name);
  c->set_task(options.task);
  c->set_dataset(options.dataset);
  c->set_architecture(arch);
  c->set_framework(framework);
  c->set_max_batch_size(max_batch);
  c->set_cpu_threads(threads);
  c->mutable_input()->set_name("input");
  for (int64_t d : {1, 28, 28}) c->mutable_input()->add_dims(d);
  c->mutable_output()->set_name("logits");
  c->mutable_output()->add_dims(10);
  r.set_repository_model(arch);
  r.set_is_public(true);
  v1::VariantProfile* p = r.mutable_profile();
  p->set_variant(name);
  p->set_load_latency_ms(50 + 20 * b1_ms);
  p->set_peak_memory_bytes(static_cast<int64_t>((8 + 4 * b1_ms) * (1 << 20)));
  p->set_accuracy_percent(accuracy);
  p->set_validation_samples(1000);
  p->set_measured_on("generated");
  for (int b = 1; b <= max_batch; b *= 2) {
    // Each example after the first costs (1 - amortised) of the first.
    const double ms = speed * b1_ms * (1 + (b - 1) * (1 - amortised));
    v1::BatchLatency* l = p->add_latency();
    l->set_batch_size(b);
    l->set_median_ms(ms);
    l->set_p99_ms(1.3 * ms);
    l->set_runs(50);
  }
  return r;
}

}  // namespace

std::string GeneratedArchitecture(int index) { return absl::StrFormat("gen%03d", index); }

std::shared_ptr<const controller::Catalogue> GenerateCatalogue(
    const GeneratedCatalogueOptions& options) {
  std::mt19937_64 random(options.seed);
  std::uniform_real_distribution<double> unit(0, 1);
  auto catalogue = std::make_shared<controller::Catalogue>();
  for (int a = 0; a < options.architectures; ++a) {
    const std::string arch = GeneratedArchitecture(a);
    const double b1_ms =  // log-uniform
        options.min_b1_ms * std::pow(options.max_b1_ms / options.min_b1_ms, unit(random));
    const double amortised = 0.2 + 0.5 * unit(random);
    const double accuracy = 70 + 25 * unit(random);
    for (v1::Framework framework : {v1::FRAMEWORK_ONNX, v1::FRAMEWORK_TORCHSCRIPT}) {
      for (int threads : {1, 2}) {
        for (int max_batch : {1, 8}) {
          catalogue->variants.push_back(
              Variant(options, arch, framework, threads, max_batch, b1_ms, amortised, accuracy));
        }
      }
    }
  }
  return catalogue;
}

}  // namespace infaas::sim
