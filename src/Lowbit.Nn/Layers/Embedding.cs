using Lowbit.Quantization;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Nn.Layers;

/// <summary>
/// Token embedding: maps token ids to rows of a learnable table W [vocabulary, dimension], optionally through a weight
/// quantizer (the table is quantized as a whole, then rows are looked up).
/// </summary>
/// <remarks>
/// Input: token ids of any shape, stored as exact integers in a float tensor (ids up to 2^24 are exact); output: that
/// shape with the dimension appended, e.g. [T, B] → [T, B, E]. Backward adds each output row's gradient into the row of
/// its id (rows of ids that do not occur get zero). Per example (per token) the shapes are [vocabulary] → [dimension]:
/// the input is a one-hot vector of which only the index is stored.
/// Initialisation U(−r, r) with r = 0.1 by default (PyTorch's word_language_model example).
/// </remarks>
public sealed class Embedding : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="vocabulary">Number of tokens V (≥ 1).</param>
    /// <param name="dimension">Embedding size E (≥ 1).</param>
    /// <param name="random">Generator for initialisation.</param>
    /// <param name="initRange">Half-width r of U(−r, r).</param>
    /// <param name="weightQuantizer">Quantizer of the table, or null.</param>
    public Embedding(int vocabulary, int dimension, Random random, double initRange = 0.1, Quantizer? weightQuantizer = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabulary, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentNullException.ThrowIfNull(random);
        if (!(initRange > 0) || double.IsInfinity(initRange)) throw new ArgumentOutOfRangeException(nameof(initRange), initRange, "init_range must be a positive number.");
        Vocabulary = vocabulary;
        Dimension = dimension;
        InitRange = initRange;
        Weight = AddParameter("weight", Tensor.RandomUniform(random, -initRange, initRange, [vocabulary, dimension]));
        WeightQuantizer = weightQuantizer is null ? null : AddModule("weight_quantizer", new QuantizerModule(weightQuantizer));
        if (weightQuantizer?.DefaultLatentClip(Weight.Value.Shape) is { } clip) Weight.Clip = (-clip, clip); // as QuantizedLayer does
    }

    /// <summary>Half-width r of the initialisation U(−r, r).</summary>
    public double InitRange { get; }

    /// <summary>Number of tokens V.</summary>
    public int Vocabulary { get; }

    /// <summary>Embedding size E.</summary>
    public int Dimension { get; }

    /// <summary>The table [V, E] (latent values when quantized).</summary>
    public Parameter Weight { get; }

    /// <summary>Quantizer of the table, or null.</summary>
    public QuantizerModule? WeightQuantizer { get; }

    /// <summary>The table as used in the forward pass (quantized when a weight quantizer is set).</summary>
    public Tensor EffectiveWeight() => WeightQuantizer is null ? Weight.Value : WeightQuantizer.Forward(Weight.Value);

    /// <summary>Looks up float-coded ids of any shape: result shape = ids shape + [E].</summary>
    /// <exception cref="ArgumentException">An id is not a whole number in 0..V−1.</exception>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var ids = new int[x.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            double v = x.GetFlat(i);
            if (v != Math.Floor(v) || v < 0 || v >= Vocabulary)
                throw new ArgumentException($"Embedding: input element {i} is {v}; token ids must be whole numbers in 0..{Vocabulary - 1}.", nameof(x));
            ids[i] = (int)v;
        }

        return Lookup(ids, [.. x.ShapeSpan]);
    }

    /// <summary>Looks up <paramref name="ids"/>; the result has shape <paramref name="shape"/> + [E].</summary>
    /// <exception cref="ArgumentException">The shape does not match the id count, or an id is outside 0..V−1.</exception>
    public Tensor Lookup(ReadOnlySpan<int> ids, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (ShapeUtil.Product(shape) != ids.Length)
            throw new ArgumentException($"Embedding: shape {ShapeUtil.Format(shape)} does not hold {ids.Length} ids.", nameof(shape));
        var table = EffectiveWeight();
        int e = Dimension;
        var idArray = ids.ToArray();
        var result = Tensor.Zeros(table.DType, [.. shape, e]);
        for (int n = 0; n < idArray.Length; n++)
        {
            int id = idArray[n];
            if ((uint)id >= (uint)Vocabulary)
                throw new ArgumentException($"Embedding: id {id} at position {n} is outside 0..{Vocabulary - 1}.", nameof(ids));
            if (table.DType == DType.Float64) table.Span<double>().Slice(id * e, e).CopyTo(result.Span<double>().Slice(n * e, e));
            else table.AsSpan().Slice(id * e, e).CopyTo(result.AsSpan().Slice(n * e, e));
        }

        return GradGraph.Record(result, "Embedding", [table], g =>
        {
            var gw = Tensor.Empty(table.DType, [.. table.ShapeSpan]); // a step buffer under the trainer's arena, zeroed here
            if (gw.DType == DType.Float64) gw.Span<double>().Clear();
            else gw.AsSpan().Clear();
            for (int n = 0; n < idArray.Length; n++)
            {
                int row = idArray[n] * e;
                if (g.DType == DType.Float64)
                {
                    var dst = gw.Span<double>().Slice(row, e);
                    System.Numerics.Tensors.TensorPrimitives.Add(dst, g.Span<double>().Slice(n * e, e), dst);
                }
                else
                {
                    var dst = gw.AsSpan().Slice(row, e);
                    System.Numerics.Tensors.TensorPrimitives.Add(dst, g.AsSpan().Slice(n * e, e), dst);
                }
            }

            return [gw];
        });
    }

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Length != 1 || inputShape[0] != Vocabulary)
            throw new ArgumentException($"Embedding({Vocabulary} → {Dimension}) expects token ids of a {Vocabulary}-token vocabulary but receives {ShapeUtil.Format(inputShape)} per token.");
        return [Dimension];
    }

    /// <summary>True when a tied <see cref="Decoder"/> uses this table: the cost model counts the stored table there, once.</summary>
    internal bool TableStoredByDecoder { get; set; }

    /// <summary>Per token: a look-up of one row (no MACs); the table is stored at its quantizer's bits.</summary>
    public override ModuleCost Cost(int[] inputShape)
    {
        OutputShape(inputShape);
        var op = OperationCost.Lookup(TableStoredByDecoder ? null : Weight, WeightQuantizer, 1, Dimension);
        return WeightQuantizer is null
            ? ModuleCost.Leaf(op, OutputLevels.Float)
            : new ModuleCost { Operations = [op], Output = OutputLevels.Quantize, OutputQuantizer = WeightQuantizer };
    }

    /// <inheritdoc/>
    public override string Describe() => $"Embedding({Vocabulary} → {Dimension}{(WeightQuantizer is null ? "" : ", w: " + WeightQuantizer.Describe())})";

    /// <inheritdoc/>
    protected override Tensor? OwnRegularization() => WeightQuantizer?.Quantizer.Regularization(Weight.Value);
}
