using System.Diagnostics;
using Lowbit.Inference.Format;
using Lowbit.Kernels.Threading;

namespace Lowbit.Inference.Runtime;

/// <summary>
/// Runs a <see cref="PackedModel"/> on 8-bit images with bitwise kernels. Predictions and last-layer integer outputs
/// equal those of the float32 training-time model the file was exported from (see docs/FORMAT.md).
/// </summary>
/// <remarks>
/// A <see cref="Pipeline"/> runs the layers' steps in order (binary kinds by XNOR-popcount, k-bit code kinds by
/// bit-serial AND-popcount, residual (HBB) kinds by masked XNOR-popcount per plane pair); all decide each unit from
/// exact integers with a rigorous float rounding bound and recompute the float32 dot product the model computes only
/// where the bound cannot decide.
/// Not thread-safe: use one session per thread (they can share a <see cref="PackedModel"/>). After the first call
/// with a given chunk size, Predict allocates nothing on one thread (the multi-threaded paths make a delegate per
/// parallel loop and run it on the kernels' <see cref="WorkerThreads"/>).
/// </remarks>
public sealed class InferenceSession
{
    /// <summary>Images per worker below which a chunk is not split between threads (kernel-level threading instead).</summary>
    private const int MinImagesPerWorker = 16;

    private readonly InferenceOptions _options;
    private readonly RunCounters _counters;
    private readonly Pipeline _runner;
    private readonly Pipeline[] _workers = [];   // one single-threaded pipeline per thread, for large chunks
    private readonly RunCounters[] _workerCounters = [];
    private long _images, _calls, _totalTicks;

    /// <summary>Creates a session for <paramref name="model"/>.</summary>
    /// <exception cref="NotSupportedException">The model's pixel table is not increasing (a ≤ 0 in x ≈ a·p + b).</exception>
    public InferenceSession(PackedModel model, InferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = options ?? new InferenceOptions();
        _options.Validate();
        Model = model;
        _counters = new RunCounters(model.Layers.Count);
        _runner = new Pipeline(model, _options, _counters);
        if (_options.Threads > 1)
        {
            // Large chunks are split by images: each thread runs the whole network on its share (no per-layer
            // hand-offs, and the serial parts — decisions, replays, packing — run in parallel too).
            var single = _options with { Threads = 1 };
            _workerCounters = Enumerable.Range(0, _options.Threads).Select(_ => new RunCounters(model.Layers.Count)).ToArray();
            _workers = _workerCounters.Select(c => new Pipeline(model, single, c)).ToArray();
        }
    }

    /// <summary>Loads the model file at <paramref name="path"/> and creates a session.</summary>
    /// <exception cref="InvalidDataException">The file is truncated, corrupted or of an unknown version.</exception>
    public static InferenceSession Load(string path, InferenceOptions? options = null) => new(PackedModelFile.Read(path), options);

    /// <summary>The model being run.</summary>
    public PackedModel Model { get; }

    /// <summary>Bytes per input image.</summary>
    public int InputSize => Model.InputSize;

    /// <summary>Number of classes.</summary>
    public int Classes => Model.Classes;

    /// <summary>Cumulative timings since creation or <see cref="ResetStatistics"/>.</summary>
    /// <remarks>Layer times of chunks split between threads are summed over the threads.</remarks>
    public InferenceStatistics Statistics
    {
        get
        {
            var ticks = (long[])_counters.LayerTicks.Clone();
            long replays = _counters.Replays;
            foreach (var c in _workerCounters)
            {
                for (int l = 0; l < ticks.Length; l++) ticks[l] += c.LayerTicks[l];
                replays += c.Replays;
            }
            return new(_images, _calls, _totalTicks, ticks, replays);
        }
    }

    /// <summary>Clears <see cref="Statistics"/>.</summary>
    public void ResetStatistics()
    {
        _images = _calls = _totalTicks = 0;
        foreach (var c in _workerCounters.Append(_counters))
        {
            c.Replays = 0;
            Array.Clear(c.LayerTicks);
        }
    }

    /// <summary>Predicts the classes of <paramref name="count"/> images.</summary>
    /// <param name="pixels">Images <c>[count, channels, height, width]</c> as raw bytes.</param>
    /// <param name="count">Number of images (≥ 0).</param>
    /// <returns>The predicted class of each image.</returns>
    public int[] Predict(ReadOnlySpan<byte> pixels, int count)
    {
        var classes = new int[Math.Max(count, 0)];
        Predict(pixels, count, classes);
        return classes;
    }

    /// <summary>Predicts classes and optionally returns the last layer's integer dot products and float logits.</summary>
    /// <param name="pixels">Images <c>[count, channels, height, width]</c> as raw bytes.</param>
    /// <param name="count">Number of images (≥ 0).</param>
    /// <param name="classes">Output: predicted class per image (length ≥ count).</param>
    /// <param name="outputDotProducts">Optional output <c>[count, Classes]</c>: the ±1 dot products of the last layer
    /// (the model's pre-bias, pre-batch-norm outputs, which are integers) for binary models, the unsigned code dot
    /// products Σ c_w·c_x of the last layer for k-bit code models, 0 for residual (HBB) models (no integer outputs); empty to skip.</param>
    /// <param name="logits">Optional output <c>[count, Classes]</c>: the model's float32 outputs; empty to skip.</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public void Predict(ReadOnlySpan<byte> pixels, int count, Span<int> classes, Span<int> outputDotProducts = default, Span<float> logits = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (pixels.Length != (long)count * InputSize)
            throw new ArgumentException($"{count} images of {InputSize} bytes ([{string.Join(", ", Model.InputShape)}]) need {(long)count * InputSize} bytes but {pixels.Length} were given.", nameof(pixels));
        if (classes.Length < count) throw new ArgumentException($"classes holds {classes.Length} entries but {count} images are predicted.", nameof(classes));
        long outputs = (long)count * Classes;
        if (!outputDotProducts.IsEmpty && outputDotProducts.Length < outputs)
            throw new ArgumentException($"outputDotProducts needs {outputs} entries ([{count}, {Classes}]) but has {outputDotProducts.Length}.", nameof(outputDotProducts));
        if (!logits.IsEmpty && logits.Length < outputs)
            throw new ArgumentException($"logits needs {outputs} entries ([{count}, {Classes}]) but has {logits.Length}.", nameof(logits));
        long start = Stopwatch.GetTimestamp();
        for (int first = 0; first < count; first += _options.MaxBatch)
        {
            int m = Math.Min(_options.MaxBatch, count - first);
            var chunkPixels = pixels.Slice(first * InputSize, m * InputSize);
            var chunkClasses = classes.Slice(first, m);
            var chunkDots = outputDotProducts.IsEmpty ? default : outputDotProducts.Slice(first * Classes, m * Classes);
            var chunkLogits = logits.IsEmpty ? default : logits.Slice(first * Classes, m * Classes);
            if (_workers.Length > 1 && m >= MinImagesPerWorker * _workers.Length)
            {
                RunSplit(chunkPixels, m, chunkClasses, chunkDots, chunkLogits);
            }
            else
            {
                _runner.RunChunk(chunkPixels, m, chunkClasses, chunkDots, chunkLogits);
            }
        }
        _totalTicks += Stopwatch.GetTimestamp() - start;
        _images += count;
        _calls++;
    }

    /// <summary>Splits a chunk's images into one contiguous share per worker; every image is computed by one worker, so results do not depend on the split.</summary>
    private unsafe void RunSplit(ReadOnlySpan<byte> pixels, int m, Span<int> classes, Span<int> dots, Span<float> logits)
    {
        int workers = _workers.Length, size = InputSize, c = Classes;
        bool withDots = !dots.IsEmpty, withLogits = !logits.IsEmpty;
        fixed (byte* pp = pixels)
        fixed (int* pc = classes, pd = dots)
        fixed (float* pl = logits)
        {
            nint pixelsAddr = (nint)pp, classesAddr = (nint)pc, dotsAddr = (nint)pd, logitsAddr = (nint)pl;
            WorkerThreads.Run(workers, w =>
            {
                int start = (int)((long)m * w / workers), end = (int)((long)m * (w + 1) / workers), count = end - start;
                _workers[w].RunChunk(
                    new ReadOnlySpan<byte>((byte*)pixelsAddr + (nint)start * size, count * size), count,
                    new Span<int>((int*)classesAddr + start, count),
                    withDots ? new Span<int>((int*)dotsAddr + (nint)start * c, count * c) : default,
                    withLogits ? new Span<float>((float*)logitsAddr + (nint)start * c, count * c) : default);
            });
        }
    }
}
