package dev.octet.quant;

/**
 * One step of a model as calibration and layer-by-layer comparison see it: a name and a function
 * from an input batch to an output batch. {@code B} is the batch type: {@code float[]} for host
 * models, {@link dev.octet.Tensor} for device models. A model's layers are plugged in by
 * implementing this (or with {@link #of}).
 *
 * @param <B> the batch type
 */
public interface Layer<B> {
  /** A name unique within the model, e.g. "model.layers.0.self_attn.q_proj". */
  String name();

  /**
   * The layer's output for {@code input}. For tensors: a new tensor that the caller owns (it
   * closes it), or {@code input} itself for a layer that works in place.
   */
  B forward(B input);

  /** A layer from a name and a function. */
  static <B> Layer<B> of(String name, java.util.function.UnaryOperator<B> forward) {
    if (name == null || forward == null) {
      throw new IllegalArgumentException("name and forward must not be null");
    }
    return new Layer<>() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public B forward(B input) {
        return forward.apply(input);
      }

      @Override
      public String toString() {
        return "Layer(" + name + ")";
      }
    };
  }
}
