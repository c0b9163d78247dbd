using Lowbit.Data.Text;
using Lowbit.Nn;
using Lowbit.Nn.Losses;
using Lowbit.Tensors.Autograd;
using Lowbit.Training.Config;

namespace Lowbit.Training.Language;

/// <summary>Evaluates a language model (evaluation mode, no graph) on a token stream: mean cross-entropy per token.</summary>
public static class LanguageModelEvaluator
{
    /// <summary>
    /// Mean cross-entropy (nats per token) over the stream cut into <paramref name="streams"/> parallel streams, read in
    /// windows of <paramref name="truncationLength"/> steps with the state carried from window to window (reset at the
    /// start, so the result does not depend on what ran before). Perplexity = exp(result).
    /// </summary>
    /// <param name="model">The model (embedding … decoder).</param>
    /// <param name="tokens">Token ids.</param>
    /// <param name="streams">Parallel streams (the evaluation batch size).</param>
    /// <param name="truncationLength">Steps per window (does not change the result of a deterministic model, only memory).</param>
    /// <param name="name">Name of the stream for messages.</param>
    /// <returns>Mean loss and the number of predicted tokens.</returns>
    public static (double Loss, long Tokens) Evaluate(Module model, int[] tokens, int streams, int truncationLength, string name)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        var batcher = new BpttBatcher(tokens, streams, truncationLength, name);
        bool wasTraining = model.Training;
        model.Eval();
        model.SetRandom(null);
        SequenceLayers.ResetState(model);
        try
        {
            using var _ = GradMode.Disable();
            double sum = 0;
            foreach (var batch in batcher.GetBatches())
            {
                var logits = model.Forward(SequenceLayers.TokenTensor(batch.Inputs, batch.Steps, batch.Streams));
                sum += TokenCrossEntropy.Compute(logits, batch.Targets).Sum;
            }

            return (sum / batcher.PredictedTokens, batcher.PredictedTokens);
        }
        finally
        {
            SequenceLayers.ResetState(model);
            model.Train(wasTraining);
        }
    }
}
