namespace Lowbit.Data.Text;

/// <summary>
/// Cuts a token stream into <see cref="Streams"/> contiguous parallel streams and walks them in windows of at most
/// <see cref="TruncationLength"/> steps, for truncated back-propagation through time with the hidden state carried
/// from one window to the next.
/// </summary>
/// <remarks>
/// Stream b holds tokens [b·L, (b+1)·L) of the text, L = ⌊tokens / streams⌋ (the last tokens mod streams are dropped,
/// as PyTorch's word_language_model does). Window w covers steps [w·k, w·k + T) with T = min(k, L − 1 − w·k), and its
/// targets are the tokens one step later; so every token except each stream's first is predicted exactly once per
/// epoch, <see cref="PredictedTokens"/> = B·(L − 1) in all. Window order is fixed: the state carried across windows
/// needs the streams in order, so there is no shuffling and an epoch is the same for every seed.
/// </remarks>
public sealed class BpttBatcher
{
    private readonly int[] _tokens;

    /// <summary>Creates the batcher.</summary>
    /// <param name="tokens">The token ids (not copied; treat as read-only).</param>
    /// <param name="streams">Parallel streams B (≥ 1).</param>
    /// <param name="truncationLength">Steps per window k (≥ 1).</param>
    /// <param name="name">Name of the token stream for messages, e.g. "ptb validation".</param>
    /// <exception cref="ArgumentException">The text is too short for <paramref name="streams"/> streams of at least 2 tokens.</exception>
    public BpttBatcher(int[] tokens, int streams, int truncationLength, string name = "text")
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(streams, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(truncationLength, 1);
        _tokens = tokens;
        Streams = streams;
        TruncationLength = truncationLength;
        StreamLength = tokens.Length / streams;
        if (StreamLength < 2)
        {
            throw new ArgumentException(
                $"{name}: {tokens.Length} tokens are too few for {streams} streams (each needs at least 2 tokens); use a smaller batch size.", nameof(tokens));
        }

        BatchCount = (StreamLength - 1 + truncationLength - 1) / truncationLength;
    }

    /// <summary>Parallel streams B.</summary>
    public int Streams { get; }

    /// <summary>Maximum steps per window k.</summary>
    public int TruncationLength { get; }

    /// <summary>Tokens per stream L.</summary>
    public int StreamLength { get; }

    /// <summary>Windows per epoch, ⌈(L − 1)/k⌉.</summary>
    public int BatchCount { get; }

    /// <summary>Tokens predicted per epoch, B·(L − 1).</summary>
    public long PredictedTokens => (long)Streams * (StreamLength - 1);

    /// <summary>The window with index <paramref name="index"/> (0..BatchCount−1).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside 0..BatchCount−1.</exception>
    public SequenceBatch Get(int index)
    {
        if ((uint)index >= (uint)BatchCount)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Windows are 0..{BatchCount - 1}.");
        }

        int start = index * TruncationLength;
        int steps = Math.Min(TruncationLength, StreamLength - 1 - start);
        int b = Streams;
        var inputs = new int[steps * b];
        var targets = new int[steps * b];
        for (int s = 0; s < b; s++)
        {
            int origin = s * StreamLength + start;
            for (int t = 0; t < steps; t++)
            {
                inputs[t * b + s] = _tokens[origin + t];
                targets[t * b + s] = _tokens[origin + t + 1];
            }
        }

        return new SequenceBatch(index, steps, b, inputs, targets);
    }

    /// <summary>All windows of an epoch, in order, starting at <paramref name="first"/>.</summary>
    public IEnumerable<SequenceBatch> GetBatches(int first = 0)
    {
        for (int i = first; i < BatchCount; i++)
        {
            yield return Get(i);
        }
    }
}
