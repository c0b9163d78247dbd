namespace Lowbit.Data.Text;

/// <summary>
/// One window of truncated back-propagation through time: <see cref="Steps"/> consecutive tokens of each of
/// <see cref="Streams"/> parallel streams, time-major.
/// </summary>
/// <param name="Index">Window number within the epoch (0-based).</param>
/// <param name="Steps">Time steps T in this window (the last window of an epoch may be shorter than the truncation length).</param>
/// <param name="Streams">Parallel streams B (the batch size).</param>
/// <param name="Inputs">Token ids [T, B] time-major: <c>Inputs[t·B + b]</c> is token t of stream b's window.</param>
/// <param name="Targets">The next tokens [T, B]: <c>Targets[t·B + b]</c> follows <c>Inputs[t·B + b]</c> in stream b.</param>
public sealed record SequenceBatch(int Index, int Steps, int Streams, int[] Inputs, int[] Targets)
{
    /// <summary>Tokens predicted in this window, T·B.</summary>
    public int Tokens => Steps * Streams;
}
