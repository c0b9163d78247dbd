using Lowbit.Data;
using Lowbit.Nn;
using Lowbit.Nn.Losses;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Training;

/// <summary>Evaluates a model (evaluation mode, no graph) on a dataset.</summary>
public static class Evaluator
{
    /// <summary>Mean loss and accuracy.</summary>
    public static (double Loss, double Accuracy) Evaluate(Module model, Loss loss, ImageDataset dataset, NormalizationOptions normalization, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(dataset);
        bool wasTraining = model.Training;
        model.Eval();
        model.SetRandom(null);
        try
        {
            using var _ = GradMode.Disable();
            var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = batchSize, Shuffle = false, Normalization = normalization });
            double lossSum = 0;
            long correct = 0;
            foreach (var batch in loader.GetBatches(0))
            {
                // A full batch is wrapped without a copy: the loader refills this buffer only after the enumerator moves on.
                float[] inputs = batch.Count == batch.Capacity ? batch.Inputs : batch.ValidInputs.ToArray();
                var x = Tensor.FromArray(inputs, batch.Count, dataset.Channels, dataset.Height, dataset.Width);
                var output = model.Forward(x);
                lossSum += loss.Compute(output, batch.ValidLabels).Item() * batch.Count;
                var predicted = Tensor.ArgMaxLastDim(output);
                for (int i = 0; i < predicted.Length; i++) if (predicted[i] == batch.ValidLabels[i]) correct++;
            }
            return (lossSum / Math.Max(1, dataset.Count), (double)correct / Math.Max(1, dataset.Count));
        }
        finally
        {
            model.Train(wasTraining);
        }
    }
}
