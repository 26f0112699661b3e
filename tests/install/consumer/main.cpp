// Uses the installed headers: a tensor, a conv and a safetensors round trip.
#include <pixforge/pixforge.hpp>

#include <cstdio>

int main() {
  using namespace pixforge;
  Tensor<float> x = Tensor<float>::full({1, 1, 4, 4}, 1.0f);
  Tensor<float> w = Tensor<float>::full({1, 1, 3, 3}, 1.0f);
  Tensor<float> y = conv2d(x, w, Tensor<float>(), Conv2dParams{}.with_padding(1));
  SafeTensorsWriter out;
  out.add("y", y);
  SafeTensors in = SafeTensors::from_bytes(out.to_bytes());
  const float centre = in.get("y")(0, 0, 1, 1);
  std::printf("consumer: conv centre = %g\n", centre);
  return centre == 9.0f ? 0 : 1;
}
