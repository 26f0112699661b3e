// Benchmarks for the attention ops: SAGAN self-attention (C = 64 at 32×32 and 64×64, as in SRGAN+SA / GAPNet),
// DeOldify's fastai self-attention (C = 768 at 32×32: the artistic model's 1/8-resolution map for a 256² input),
// scaled_dot_product_attention, squeeze-excitation (Real-CUGAN SEBlock, 64 ch at 128×128), CBAM (MARDGAN CSAB,
// 64 ch), FcaNet (e1 level: 64 ch, 128×128, top16). _ref and fast paths side by side. Last arg: threads.
#include <benchmark/benchmark.h>

#include <random>

#include "pixforge/ops/channel_attention.hpp"
#include "pixforge/ops/scaled_dot_product_attention.hpp"
#include "pixforge/ops/self_attention.hpp"
#include "pixforge/ops/spatial_attention.hpp"

using namespace pixforge;

namespace {
Tensor<float> rnd(const Shape& s, uint32_t seed, float r = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-r, r);
  Tensor<float> t = Tensor<float>::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = d(rng);
  return t;
}

Conv1x1Weights fc(int64_t out, int64_t in, bool bias, uint32_t seed) {
  const float r = 1.0f / std::sqrt(float(in));
  return {rnd({out, in, 1, 1}, seed, r), bias ? rnd({out}, seed + 1, r) : Tensor<float>()};
}

double self_attention_flops(int64_t C, int64_t P) {
  const double Cq = double(C / 8);
  return 2.0 * P * C * (2 * Cq + C) + 2.0 * double(P) * P * (Cq + C);
}

template <Tensor<float> (*Fn)(const Tensor<float>&, const SelfAttentionWeights&, const SelfAttentionParams&)>
void BM_self_attention(benchmark::State& st) {
  const int64_t C = 64, S = st.range(0);
  set_num_threads(int(st.range(1)));
  const Tensor<float> x = rnd({1, C, S, S}, 1);
  SelfAttentionWeights w{fc(C / 8, C, true, 2), fc(C / 8, C, true, 4), fc(C, C, true, 6), Tensor<float>::full({1}, 0.5f)};
  for (auto _ : st) benchmark::DoNotOptimize(Fn(x, w, {}).data());
  st.counters["flops"] = benchmark::Counter(self_attention_flops(C, S * S), benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel("sagan C=64 " + std::to_string(S) + "x" + std::to_string(S));
  set_num_threads(0);
}

template <Tensor<float> (*Fn)(const Tensor<float>&, const FastaiSelfAttentionWeights&, const SelfAttentionParams&)>
void BM_fastai_self_attention(benchmark::State& st) {
  const int64_t C = 768, S = 32;
  set_num_threads(int(st.range(0)));
  const Tensor<float> x = rnd({1, C, S, S}, 1);
  FastaiSelfAttentionWeights w{fc(C / 8, C, false, 2), fc(C / 8, C, false, 4), fc(C, C, false, 6),
                               Tensor<float>::full({1}, 0.5f)};
  for (auto _ : st) benchmark::DoNotOptimize(Fn(x, w, {}).data());
  st.counters["flops"] = benchmark::Counter(self_attention_flops(C, S * S), benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel("deoldify artistic C=768 32x32");
  set_num_threads(0);
}

template <Tensor<float> (*Fn)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                              const ScaledDotProductAttentionParams&)>
void BM_sdpa(benchmark::State& st) {
  const int64_t B = 4, L = st.range(0), D = 64;
  set_num_threads(int(st.range(1)));
  const Tensor<float> q = rnd({B, L, D}, 1), k = rnd({B, L, D}, 2), v = rnd({B, L, D}, 3);
  for (auto _ : st) benchmark::DoNotOptimize(Fn(q, k, v, {}).data());
  st.counters["flops"] = benchmark::Counter(4.0 * B * L * L * D, benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel("4 heads, L=S=" + std::to_string(L) + ", D=64");
  set_num_threads(0);
}

template <Tensor<float> (*Fn)(const Tensor<float>&, const SqueezeExcitationWeights&)>
void BM_squeeze_excitation(benchmark::State& st) {
  const int64_t C = 64, S = 128;
  set_num_threads(int(st.range(0)));
  const Tensor<float> x = rnd({1, C, S, S}, 1);
  SqueezeExcitationWeights w{fc(C / 8, C, true, 2), fc(C, C / 8, true, 4)};
  for (auto _ : st) benchmark::DoNotOptimize(Fn(x, w).data());
  st.counters["bytes"] = benchmark::Counter(3.0 * 4 * x.numel(), benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel("realcugan SEBlock 64ch 128x128");
  set_num_threads(0);
}

template <Tensor<float> (*Fn)(const Tensor<float>&, const CbamWeights&, const CbamParams&)>
void BM_cbam(benchmark::State& st) {
  const int64_t C = 64, S = 64;
  set_num_threads(int(st.range(0)));
  const Tensor<float> x = rnd({1, C, S, S}, 1);
  CbamWeights w;
  w.channel.mlp_1 = fc(C / 16, C, true, 2);
  w.channel.mlp_3 = fc(C, C / 16, true, 4);
  w.spatial = {rnd({1, 2, 7, 7}, 6, 0.3f), rnd({1}, 7)};
  for (auto _ : st) benchmark::DoNotOptimize(Fn(x, w, {}).data());
  st.counters["flops"] = benchmark::Counter(2.0 * S * S * 2 * 49, benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel("mardgan CSAB 64ch 64x64");
  set_num_threads(0);
}

template <Tensor<float> (*Fn)(const Tensor<float>&, const MultiSpectralAttentionWeights&,
                              const MultiSpectralAttentionParams&)>
void BM_multi_spectral_attention(benchmark::State& st) {
  const int64_t C = 64, S = 128;
  set_num_threads(int(st.range(0)));
  MultiSpectralAttentionParams p;
  p.dct_h = p.dct_w = S;
  const Tensor<float> x = rnd({1, C, S, S}, 1);
  MultiSpectralAttentionWeights w{fc(C / 16, C, false, 2), fc(C, C / 16, false, 4), multi_spectral_dct_filter(C, p)};
  for (auto _ : st) benchmark::DoNotOptimize(Fn(x, w, p).data());
  st.counters["flops"] = benchmark::Counter(2.0 * C * S * S, benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel("fcanet e1 64ch 128x128 top16");
  set_num_threads(0);
}
}  // namespace

BENCHMARK_TEMPLATE(BM_self_attention, self_attention_ref)
    ->Name("BM_self_attention_ref")->Args({32, 1})->Args({64, 1})->Iterations(1)->UseRealTime();
BENCHMARK_TEMPLATE(BM_self_attention, self_attention_blocked)
    ->Name("BM_self_attention_blocked")->Args({32, 1})->Args({32, 2})->Args({64, 1})->Args({64, 2})->UseRealTime();
BENCHMARK_TEMPLATE(BM_fastai_self_attention, fastai_self_attention_ref)
    ->Name("BM_fastai_self_attention_ref")->Arg(1)->Iterations(1)->UseRealTime();
BENCHMARK_TEMPLATE(BM_fastai_self_attention, fastai_self_attention_blocked)
    ->Name("BM_fastai_self_attention_blocked")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK_TEMPLATE(BM_sdpa, scaled_dot_product_attention_ref)
    ->Name("BM_scaled_dot_product_attention_ref")->Args({256, 1})->UseRealTime();
BENCHMARK_TEMPLATE(BM_sdpa, scaled_dot_product_attention_blocked)
    ->Name("BM_scaled_dot_product_attention_blocked")->Args({256, 1})->Args({1024, 1})->Args({1024, 2})->UseRealTime();
BENCHMARK_TEMPLATE(BM_squeeze_excitation, squeeze_excitation_ref)->Name("BM_squeeze_excitation_ref")->Arg(1)->UseRealTime();
BENCHMARK_TEMPLATE(BM_squeeze_excitation, squeeze_excitation_parallel)
    ->Name("BM_squeeze_excitation_parallel")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK_TEMPLATE(BM_cbam, cbam_ref)->Name("BM_cbam_ref")->Arg(1)->UseRealTime();
BENCHMARK_TEMPLATE(BM_cbam, cbam)->Name("BM_cbam_parallel")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK_TEMPLATE(BM_multi_spectral_attention, multi_spectral_attention_ref)
    ->Name("BM_multi_spectral_attention_ref")->Arg(1)->UseRealTime();
BENCHMARK_TEMPLATE(BM_multi_spectral_attention, multi_spectral_attention_parallel)
    ->Name("BM_multi_spectral_attention_parallel")->Arg(1)->Arg(2)->UseRealTime();
