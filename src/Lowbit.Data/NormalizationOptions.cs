namespace Lowbit.Data;

/// <summary>
/// Immutable description of the byte-to-float mapping applied to pixels. For <see cref="NormalizationKind.Standardize"/>
/// the per-channel mean and standard deviation are stored here, so the numbers computed on the training set
/// apply unchanged to validation and test sets.
/// </summary>
/// <remarks>
/// ZeroOne: y = x / 255. PlusMinusOne: y = (2x - 255) / 255, so 0 -> -1 and 255 -> +1 exactly.
/// Standardize: y = (x / 255 - mean[c]) / std[c], with mean and std in [0, 1] pixel units (torchvision's
/// Normalize-after-ToTensor convention) and std the population standard deviation over all pixels of channel c.
/// Every mapping is evaluated in double precision per byte value and rounded once to float.
/// </remarks>
public sealed record NormalizationOptions
{
    private NormalizationOptions(NormalizationKind kind, double[] mean, double[] std)
    {
        Kind = kind;
        Mean = Array.AsReadOnly(mean);
        Std = Array.AsReadOnly(std);
    }

    /// <summary>y = x / 255.</summary>
    public static NormalizationOptions ZeroOne { get; } = new(NormalizationKind.ZeroOne, [], []);

    /// <summary>y = 2x / 255 - 1 (BinaryNet's convention).</summary>
    public static NormalizationOptions PlusMinusOne { get; } = new(NormalizationKind.PlusMinusOne, [], []);

    /// <summary>The mapping used.</summary>
    public NormalizationKind Kind { get; }

    /// <summary>Per-channel mean in [0, 1] units; empty unless <see cref="Kind"/> is Standardize.</summary>
    public IReadOnlyList<double> Mean { get; }

    /// <summary>Per-channel standard deviation in [0, 1] units; empty unless <see cref="Kind"/> is Standardize.</summary>
    public IReadOnlyList<double> Std { get; }

    /// <summary>Standardisation with given per-channel statistics (in [0, 1] pixel units).</summary>
    /// <exception cref="ArgumentException">The lists are empty, differ in length, or a std is not positive and finite.</exception>
    public static NormalizationOptions Standardize(IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count == 0 || mean.Count != std.Count)
        {
            throw new ArgumentException($"Standardize needs one mean and one std per channel; got {mean.Count} means and {std.Count} stds.", nameof(std));
        }

        for (int c = 0; c < std.Count; c++)
        {
            if (!double.IsFinite(mean[c]) || !(std[c] > 0) || !double.IsFinite(std[c]))
            {
                throw new ArgumentException(
                    $"Channel {c}: mean must be finite and std positive and finite; got mean {mean[c]}, std {std[c]}.", nameof(std));
            }
        }

        return new NormalizationOptions(NormalizationKind.Standardize, [.. mean], [.. std]);
    }

    /// <summary>Standardisation with per-channel mean and population std computed on <paramref name="training"/>.</summary>
    /// <exception cref="ArgumentException">The dataset is empty or a channel is constant (std 0).</exception>
    public static NormalizationOptions Standardize(ImageDataset training)
    {
        ArgumentNullException.ThrowIfNull(training);
        if (training.Count == 0)
        {
            throw new ArgumentException($"Cannot compute statistics of empty dataset '{training.Name}'.", nameof(training));
        }

        int channels = training.Channels;
        int planeSize = training.Height * training.Width;
        var sums = new long[channels];
        var squares = new long[channels];
        for (int i = 0; i < training.Count; i++)
        {
            ReadOnlySpan<byte> image = training.GetImage(i);
            for (int c = 0; c < channels; c++)
            {
                foreach (byte x in image.Slice(c * planeSize, planeSize))
                {
                    sums[c] += x;
                    squares[c] += x * x;
                }
            }
        }

        var mean = new double[channels];
        var std = new double[channels];
        double n = (double)training.Count * planeSize;
        for (int c = 0; c < channels; c++)
        {
            double m = sums[c] / n;
            double variance = Math.Max(0, squares[c] / n - m * m);
            mean[c] = m / 255.0;
            std[c] = Math.Sqrt(variance) / 255.0;
            if (std[c] == 0)
            {
                throw new ArgumentException($"Channel {c} of '{training.Name}' is constant ({m}); cannot standardise.", nameof(training));
            }
        }

        return new NormalizationOptions(NormalizationKind.Standardize, mean, std);
    }

    /// <summary>Value equality: same kind and the same per-channel statistics.</summary>
    public bool Equals(NormalizationOptions? other) =>
        other is not null && Kind == other.Kind && Mean.SequenceEqual(other.Mean) && Std.SequenceEqual(other.Std);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Kind);
        foreach (double m in Mean)
        {
            hash.Add(m);
        }

        foreach (double s in Std)
        {
            hash.Add(s);
        }

        return hash.ToHashCode();
    }

    /// <summary>Maps one image, [channels, planeSize] bytes, to floats.</summary>
    /// <param name="pixels">Source bytes, channel planes one after another.</param>
    /// <param name="channels">Number of channel planes in <paramref name="pixels"/>.</param>
    /// <param name="destination">Receives pixels.Length floats.</param>
    /// <exception cref="ArgumentException">Lengths disagree or the channel count does not match the statistics.</exception>
    public void Apply(ReadOnlySpan<byte> pixels, int channels, Span<float> destination)
    {
        float[] table = BuildTable(channels);
        ApplyWithTable(table, pixels, channels, destination);
    }

    /// <summary>Converts a whole dataset, e.g. for evaluation: [Count, Channels * Height * Width] floats.</summary>
    public float[] ToFloatArray(ImageDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        float[] table = BuildTable(dataset.Channels);
        var result = new float[dataset.Pixels.LongLength];
        int sampleSize = dataset.SampleSize;
        for (int i = 0; i < dataset.Count; i++)
        {
            ApplyWithTable(table, dataset.GetImage(i), dataset.Channels, result.AsSpan(i * sampleSize, sampleSize));
        }

        return result;
    }

    /// <summary>The float32 value of every byte value per channel: [channels, 256], entry c·256 + x for byte x of channel c.</summary>
    /// <param name="channels">Channels of the images.</param>
    /// <returns>A new table.</returns>
    /// <exception cref="ArgumentException">The statistics are for another channel count.</exception>
    public float[] PixelTable(int channels) => BuildTable(channels);

    /// <summary>Lookup table [channels, 256]: table[c * 256 + x] is the float for byte x in channel c.</summary>
    internal float[] BuildTable(int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (Kind == NormalizationKind.Standardize && channels != Mean.Count)
        {
            throw new ArgumentException(
                $"These statistics are for {Mean.Count} channels but the data has {channels}; compute them on a matching training set.",
                nameof(channels));
        }

        var table = new float[channels * 256];
        for (int c = 0; c < channels; c++)
        {
            for (int x = 0; x < 256; x++)
            {
                table[c * 256 + x] = Kind switch
                {
                    NormalizationKind.ZeroOne => (float)(x / 255.0),
                    NormalizationKind.PlusMinusOne => (float)((2.0 * x - 255.0) / 255.0),
                    _ => (float)((x / 255.0 - Mean[c]) / Std[c]),
                };
            }
        }

        return table;
    }

    internal static void ApplyWithTable(ReadOnlySpan<float> table, ReadOnlySpan<byte> pixels, int channels, Span<float> destination)
    {
        if (destination.Length != pixels.Length || pixels.Length % channels != 0)
        {
            throw new ArgumentException(
                $"Expected {pixels.Length} destination floats and a pixel count divisible by {channels} channels; " +
                $"got {destination.Length} floats for {pixels.Length} bytes.", nameof(destination));
        }

        int planeSize = pixels.Length / channels;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> channelTable = table.Slice(c * 256, 256);
            ReadOnlySpan<byte> source = pixels.Slice(c * planeSize, planeSize);
            Span<float> target = destination.Slice(c * planeSize, planeSize);
            for (int j = 0; j < source.Length; j++)
            {
                target[j] = channelTable[source[j]];
            }
        }
    }
}
