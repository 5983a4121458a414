// Fuzzes the KServe v2 tensor translation (src/kserve/infer_translation):
// an inference.ModelInferRequest in protobuf's binary form, as gRPC hands it
// over (raw_input_contents included), resolved against a small catalogue and
// turned into an online query, then into a response.
#include <cstddef>
#include <cstdint>

#include "google/protobuf/stubs/logging.h"
#include "kserve/infer_translation.h"
#include "kserve/model_resolver.h"
#include "kserve/testing/test_catalogue.h"

// Protobuf logs every string field that is not UTF-8; the parse fails either way.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* const catalogue = new std::shared_ptr<const infaas::controller::Catalogue>(
      infaas::kserve::TwoArchitectureCatalogue());
  inference::ModelInferRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  absl::StatusOr<infaas::kserve::ResolvedModel> model =
      infaas::kserve::ResolveModel(request.model_name(), *catalogue);
  if (!model.ok()) model = infaas::kserve::ResolveModel("lenet5", *catalogue);
  if (!model.ok()) __builtin_trap();  // the catalogue holds lenet5
  absl::StatusOr<infaas::kserve::InferOptions> options =
      infaas::kserve::ParseInferOptions(request.parameters());
  if (!options.ok()) return 0;
  absl::StatusOr<infaas::v1::QueryOnlineRequest> query =
      infaas::kserve::ToQuery(request, *model, *options);
  if (!query.ok()) return 0;
  infaas::v1::QueryOnlineResponse answer;
  for (int i = 0; i < query->inputs_size(); ++i) {
    infaas::v1::OutputTensor* logits = answer.add_outputs();
    for (int c = 0; c < 10; ++c) logits->add_values(static_cast<float>(c));
  }
  infaas::kserve::ToInferResponse(request, answer, *model->variants.front(), size % 2 == 0);
  return 0;
}
