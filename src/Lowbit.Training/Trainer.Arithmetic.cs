using Lowbit.Data;
using Lowbit.Tensors;
using Lowbit.Training.Config;

namespace Lowbit.Training;

/// <summary>The trainer's steps for low-precision arithmetic (an "arithmetic" config block): loss scale and range initialisation.</summary>
public sealed partial class Trainer
{
    /// <summary>A fresh run whose policy asks for range-initialisation epochs.</summary>
    private bool NeedsRangeInit => _arithmetic is { Policy.Options.RangeInitEpochs: > 0 } && _state.Step == 0 && _state.Batch == 0 && _state.Epoch == 0;

    /// <summary>Back-propagates from the loss, seeded with the policy's loss scale (1 without a policy).</summary>
    private void Backward(Tensor total)
    {
        double scale = _arithmetic?.Policy.LossScale ?? 1;
        if (scale == 1) total.Backward();
        else total.Backward(Tensor.Full(total.DType, scale, [.. total.Shape]));
    }

    /// <summary>
    /// Range initialisation of dynamic fixed point (Courbariaux, Bengio, David, arXiv 1412.7024, released code): train
    /// the configured epochs without rounding while the groups count overflows and move their radix points, then put
    /// the parameters back to their initial values, restart the optimizer, and keep the radix points. Batches use the
    /// orders of epochs −1, −2, ... so they differ from the training epochs'. Interrupted, it leaves the run as it was
    /// at the start (a checkpoint at step 0, radix points reset) and returns false.
    /// </summary>
    private bool RangeInit(BatchLoader loader, int c, int h, int w, CancellationToken cancellation)
    {
        var log = _arithmetic!;
        var policy = log.Policy;
        int epochs = policy.Options.RangeInitEpochs;
        _observer.Message($"range initialisation: {epochs} epoch(s) in float32 to find the dynamic radix points");
        policy.MeasureOnly = true;
        _model.Train();
        long step = -(long)epochs * loader.BatchCount;
        log.History.Clear();
        log.RecordAll(step, 0, "start");
        for (int e = 0; e < epochs; e++)
        {
            int epoch = -1 - e;
            _observer.EpochStarted(e, epochs, loader.BatchCount, 0, _optimizer.LearningRate);
            foreach (var batch in loader.GetBatches(epoch))
            {
                if (cancellation.IsCancellationRequested)
                {
                    policy.ResetRadixPoints();
                    log.History.Clear();
                    log.RecordAll(0, 0, "start");
                    Restart();
                    SaveCheckpoint();
                    return false;
                }
                using var buffers = _stepBuffers.BeginStep();
                var x = Tensor.FromArray(batch.ValidInputs.ToArray(), batch.Count, c, h, w);
                _model.SetRandom(new Random(StepSeed(_config.Seed, epoch, batch.BatchIndex)));
                policy.BeginStep(step);
                var loss = _loss.Compute(_model.Forward(x), batch.ValidLabels);
                _optimizer.ZeroGrad();
                Backward(loss);
                _optimizer.Step();
                _observer.BatchFinished(e, batch.BatchIndex, loss.Item());
                log.EndStep(++step, 0, "range_init");
            }
            _observer.Message($"range initialisation epoch {e + 1}/{epochs}: integer bits " +
                string.Join(", ", policy.RadixPoints().Where(r => r.Dynamic).Select(r => $"{r.Group} {r.IntegerBits}")));
        }
        Restart();
        return true;
    }

    /// <summary>Parameters back to their initial values (the same seeded initialisation), optimizer state cleared and masters re-stored.</summary>
    private void Restart()
    {
        var policy = _arithmetic!.Policy;
        policy.MeasureOnly = false;
        _model.LoadStateDict(ModelBuilder.Build(_config, _data.InputShape).StateDict());
        _optimizer.LoadState(new Dictionary<string, Tensor> { ["step"] = Tensor.Scalar(0, DType.Float64) });
        _optimizer.UseArithmetic(policy);
    }
}
