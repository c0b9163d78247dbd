namespace Lowbit.Training.Config;

/// <summary>
/// Settings of data-parallel training over several processes (the config's "distributed" block; docs/DISTRIBUTED.md).
/// They take effect only when the run has more than one process (started by mpirun); a single process ignores them.
/// </summary>
/// <param name="GradientBits">Bits per gradient value on the wire (stochastic k-bit quantization per bucket), or null to
/// all-reduce float32 gradients.</param>
/// <param name="BucketMegabytes">Float32 gradient megabytes per bucket (one collective operation each).</param>
/// <param name="Overlap">Start a bucket's exchange as soon as the backward pass has finished its gradients, rather than
/// after the whole pass.</param>
/// <param name="TimeoutSeconds">How long a rank waits for the others in one collective before stopping the job.</param>
public sealed record DistributedConfig(int? GradientBits, double BucketMegabytes, bool Overlap, double TimeoutSeconds)
{
    /// <summary>
    /// The defaults: float32 gradients, 4 MB buckets, no overlap (it did not pay in BENCHMARKS.md's measurements over
    /// shared memory, where the exchange competes with the backward pass for the same cores), 30 minutes.
    /// </summary>
    public static DistributedConfig Default { get; } = new(null, 4, false, 1800);

    /// <summary>Float32 values per bucket.</summary>
    public int BucketValues => (int)Math.Max(1, Math.Round(BucketMegabytes * 1024 * 1024 / sizeof(float)));

    /// <summary>Reads a "distributed" block.</summary>
    internal static DistributedConfig Parse(JsonFields d)
    {
        var config = new DistributedConfig(
            d.Has("gradient_bits") ? d.Int("gradient_bits", 6, 1, 16) : NullInt(d, "gradient_bits"),
            d.Double("bucket_mb", Default.BucketMegabytes, 0.001, 1024),
            d.Bool("overlap", Default.Overlap),
            d.Double("timeout_seconds", Default.TimeoutSeconds, 1, 7 * 24 * 3600));
        d.EnsureAllRead();
        return config;
    }

    private static int? NullInt(JsonFields d, string key)
    {
        d.Raw(key);
        return null;
    }
}
