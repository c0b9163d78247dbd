namespace Lowbit.Data;

/// <summary>
/// One mini-batch written into reusable buffers by <see cref="BatchLoader"/>. Only the first <see cref="Count"/>
/// rows are valid; the contents are overwritten once the enumerator moves on, so copy what must be kept.
/// </summary>
public sealed class ImageBatch
{
    internal ImageBatch(int capacity, int sampleSize)
    {
        Capacity = capacity;
        SampleSize = sampleSize;
        Inputs = new float[(long)capacity * sampleSize];
        Labels = new int[capacity];
        Indices = new int[capacity];
    }

    /// <summary>Inputs, [Capacity, SampleSize] row-major floats; rows at and after <see cref="Count"/> are stale.</summary>
    public float[] Inputs { get; }

    /// <summary>Labels of the first <see cref="Count"/> rows.</summary>
    public int[] Labels { get; }

    /// <summary>Dataset index of each of the first <see cref="Count"/> rows.</summary>
    public int[] Indices { get; }

    /// <summary>Valid rows in this batch (the batch size, or fewer for a last partial batch).</summary>
    public int Count { get; internal set; }

    /// <summary>Position of this batch within its epoch, from 0.</summary>
    public int BatchIndex { get; internal set; }

    /// <summary>Maximum rows (the loader's batch size).</summary>
    public int Capacity { get; }

    /// <summary>Floats per row: Channels * Height * Width.</summary>
    public int SampleSize { get; }

    /// <summary>The valid inputs, [Count, SampleSize].</summary>
    public ReadOnlySpan<float> ValidInputs => Inputs.AsSpan(0, Count * SampleSize);

    /// <summary>The valid labels, [Count].</summary>
    public ReadOnlySpan<int> ValidLabels => Labels.AsSpan(0, Count);
}
