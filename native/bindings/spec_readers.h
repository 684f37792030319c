// Reading native specs (blocks, networks, supernets, searches, profiling) from JS option objects.
// Each throws E_INVALID_ARGUMENT naming the field that is wrong.
#pragma once
#include <napi.h>

#include <map>
#include <string>
#include <vector>

#include "latency/profiler.h"
#include "nets/network_spec.h"
#include "search/arch_trainer.h"
#include "spaces/nb201_network.h"
#include "spaces/supernet.h"
#include "train/session.h"

namespace torchnas {

BlockSpec ReadBlockSpec(const Napi::Object& b);
std::vector<BlockSpec> ReadBlocks(const Napi::Object& o, const char* key);
NetworkSpec ReadNetworkSpec(const Napi::Object& o);
SupernetSpec ReadSupernetSpec(const Napi::Object& o);
// An array of arrays of finite numbers; empty when the key is absent.
std::vector<std::vector<double>> ReadTable(const Napi::Object& o, const char* key);
// A flat array of finite numbers (a JS array or typed array); empty when the key is absent.
std::vector<double> ReadNumbers(const Napi::Object& o, const char* key);
std::vector<int64_t> ReadIntegers(const Napi::Object& o, const char* key);
// Rows of whole numbers (masks, paths) from an array of number arrays.
std::vector<std::vector<int64_t>> ReadIntegerRows(const Napi::Object& o, const char* key);
// {[name]: numbers}: every value a finite-number array or typed array.
std::map<std::string, std::vector<double>> ReadNamedVectors(const Napi::Object& o);
ArchSpec ReadArchSpec(const Napi::Object& o);
Nb201Spec ReadNb201Spec(const Napi::Object& o);
ProxyRequest ReadProxyRequest(const Napi::Object& o);
ProfileOptions ReadProfileOptions(const Napi::Object& o);
std::vector<LayerProbe> ReadLayerProbes(const Napi::Object& o);

}  // namespace torchnas
