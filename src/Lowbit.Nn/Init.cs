using Lowbit.Tensors;

namespace Lowbit.Nn;

/// <summary>Weight initialisation schemes (explicitly seeded).</summary>
public static class Init
{
    /// <summary>Glorot/Xavier uniform: U(−a, a), a = sqrt(6/(fanIn+fanOut)).</summary>
    public static Tensor GlorotUniform(Random random, int[] shape, int fanIn, int fanOut) =>
        Tensor.RandomUniform(random, -GlorotBound(fanIn, fanOut), GlorotBound(fanIn, fanOut), shape);

    /// <summary>The Glorot-uniform bound sqrt(6/(fanIn+fanOut)).</summary>
    public static double GlorotBound(int fanIn, int fanOut) => Math.Sqrt(6.0 / (fanIn + fanOut));

    /// <summary>He/Kaiming uniform for ReLU nets: U(−a, a), a = sqrt(6/fanIn).</summary>
    public static Tensor HeUniform(Random random, int[] shape, int fanIn) =>
        Tensor.RandomUniform(random, -Math.Sqrt(6.0 / fanIn), Math.Sqrt(6.0 / fanIn), shape);

    /// <summary>PyTorch's default for Linear/Conv: U(−1/sqrt(fanIn), 1/sqrt(fanIn)).</summary>
    public static Tensor TorchDefault(Random random, int[] shape, int fanIn) =>
        Tensor.RandomUniform(random, -1.0 / Math.Sqrt(fanIn), 1.0 / Math.Sqrt(fanIn), shape);
}
