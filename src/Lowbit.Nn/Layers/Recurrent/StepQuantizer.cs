using System.Numerics;
using Lowbit.Tensors;

namespace Lowbit.Nn.Layers.Recurrent;

/// <summary>
/// One quantization site inside a fused recurrent op: quantizes a [rows, columns] block of one time step in place and,
/// when recording, keeps the quantizer's own autograd graph so that backward maps ∂L/∂q to ∂L/∂x through the
/// quantizer's surrogate gradient (and into its learnable parameters, e.g. a clipping level).
/// </summary>
/// <remarks>
/// The quantizer sees one time step at a time, so per-tensor statistics (a max-based range) are per step. Each call
/// returns its own record, owned by the caller's op invocation, so overlapping forward passes do not interfere.
/// </remarks>
internal sealed class StepQuantizer(QuantizerModule module)
{
    /// <summary>The hosting module (name, mode and generator of the step).</summary>
    public QuantizerModule Module { get; } = module;

    /// <summary>Quantizes <paramref name="values"/> ([rows, columns], row-major) in place; returns the record for backward, or null.</summary>
    public QuantizedStep? Apply<T>(Span<T> values, int rows, int columns, bool record) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var leaf = ToTensor<T>(values, rows, columns);
        leaf.RequiresGrad = record;
        var q = Module.Forward(leaf);
        CopyTo(q, values);
        return record && q.TracksGrad ? new QuantizedStep(leaf, q) : null;
    }

    /// <summary>Replaces <paramref name="gradient"/> (∂L/∂q) in place by ∂L/∂x; zeros when the step was not recorded.</summary>
    public static void Backward<T>(QuantizedStep? step, Span<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (step is null)
        {
            gradient.Clear();
            return;
        }

        var (leaf, q) = step.Value;
        leaf.Grad = null;
        q.Backward(ToTensor<T>(gradient, q.Dim(0), q.Dim(1)));
        if (leaf.Grad is null) gradient.Clear();
        else CopyTo(leaf.Grad, gradient);
    }

    private static Tensor ToTensor<T>(ReadOnlySpan<T> values, int rows, int columns) where T : unmanaged
    {
        if (typeof(T) == typeof(double)) return Tensor.FromArray(System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(values).ToArray(), rows, columns);
        return Tensor.FromArray(System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(values).ToArray(), rows, columns);
    }

    private static void CopyTo<T>(Tensor source, Span<T> destination) where T : unmanaged
    {
        if (typeof(T) == typeof(double)) source.Span<double>().CopyTo(System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(destination));
        else source.AsSpan().CopyTo(System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(destination));
    }
}

/// <summary>A recorded quantization of one step: the leaf holding the raw values and the quantized result.</summary>
internal readonly record struct QuantizedStep(Tensor Leaf, Tensor Output);
