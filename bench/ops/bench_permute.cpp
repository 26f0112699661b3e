// Benchmarks for ops/permute.hpp: permute_ref next to permute_transpose (tiled batched transpose / row gather);
// the argument is the thread count; bytes/s counts one read and one write of every element.
//
//   build-*/bench_permute --benchmark_min_time=0.05
#include <benchmark/benchmark.h>

#include <vector>

#include "bench_util.hpp"
#include "pixforge/ops/permute.hpp"

using namespace pixforge;
using bench::filled;

namespace {

using Fn = Tensor<float> (*)(const Tensor<float>&, const std::vector<int>&);

void run(benchmark::State& state, Fn fn, const Shape& shape, const std::vector<int>& dims) {
  set_num_threads(int(state.range(0)));
  const Tensor<float> x = filled(shape, 1);
  for (auto _ : state) benchmark::DoNotOptimize(fn(x, dims));
  state.SetBytesProcessed(int64_t(state.iterations()) * x.numel() * 2 * int64_t(sizeof(float)));
  set_num_threads(0);
}

// An RGB image decoded as HWC, to NCHW for the network: [1, 1024, 1024, 3] -> [1, 3, 1024, 1024].
const Shape kImageNhwc{1, 1024, 1024, 3};
// Self-attention (SAGAN, DeepFill contextual attention): [1, 64, 64·64] -> [1, 4096, 64].
const Shape kAttention{1, 64, 4096};
// A swap of H and W (no transpose structure: the row-gather path).
const Shape kFeat{1, 64, 128, 128};
const std::vector<int> kToNchw{0, 3, 1, 2}, kTranspose{0, 2, 1}, kSwapHW{0, 1, 3, 2};

void BM_permute_ref_image(benchmark::State& s) { run(s, permute_ref, kImageNhwc, kToNchw); }
void BM_permute_transpose_image(benchmark::State& s) { run(s, permute_transpose, kImageNhwc, kToNchw); }
void BM_permute_ref_attention(benchmark::State& s) { run(s, permute_ref, kAttention, kTranspose); }
void BM_permute_transpose_attention(benchmark::State& s) { run(s, permute_transpose, kAttention, kTranspose); }
void BM_permute_ref_swap_hw(benchmark::State& s) { run(s, permute_ref, kFeat, kSwapHW); }
void BM_permute_transpose_swap_hw(benchmark::State& s) { run(s, permute_transpose, kFeat, kSwapHW); }

}  // namespace

BENCHMARK(BM_permute_ref_image)->Name("BM_permute_ref/nhwc_to_nchw_rgb_1024")->Arg(1)->UseRealTime();
BENCHMARK(BM_permute_transpose_image)
    ->Name("BM_permute_transpose/nhwc_to_nchw_rgb_1024")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_permute_ref_attention)->Name("BM_permute_ref/attention_64ch_64x64")->Arg(1)->UseRealTime();
BENCHMARK(BM_permute_transpose_attention)
    ->Name("BM_permute_transpose/attention_64ch_64x64")->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_permute_ref_swap_hw)->Name("BM_permute_ref/swap_hw_64ch_128")->Arg(1)->UseRealTime();
BENCHMARK(BM_permute_transpose_swap_hw)->Name("BM_permute_transpose/swap_hw_64ch_128")->Arg(1)->Arg(2)->UseRealTime();
