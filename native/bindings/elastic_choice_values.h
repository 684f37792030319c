// A subnet of the elastic space {resolution, stages: [{width, kernels, expands}]} from JS and back
// (elastic_binding.cc); ShiftNAS's generated subnets use them too.
#pragma once
#include <napi.h>

#include "spaces/elastic_net.h"

namespace torchnas {

ElasticChoice ReadElasticChoice(const Napi::Object& o);
Napi::Object ChoiceObject(Napi::Env env, const ElasticChoice& c);

}  // namespace torchnas
