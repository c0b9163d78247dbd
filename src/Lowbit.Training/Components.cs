using Lowbit.Nn;
using Lowbit.Nn.Losses;
using Lowbit.Training.Config;
using Lowbit.Training.Optimizers;
using Lowbit.Training.Schedules;

namespace Lowbit.Training;

/// <summary>Creates the optimizer, schedule and loss a config names.</summary>
public static class Components
{
    /// <summary>The optimizer over the model's parameters.</summary>
    public static Optimizer CreateOptimizer(OptimizerConfig config, Module model)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(model);
        var ps = model.NamedParameters().ToList();
        Optimizer optimizer = config.Type switch
        {
            "sgd" => new Sgd(ps, config.LearningRate, config.Momentum, config.Nesterov, config.WeightDecay),
            "adam" => new Adam(ps, config.LearningRate, config.Beta1, config.Beta2, config.Epsilon, config.WeightDecay),
            "adamax" => new AdaMax(ps, config.LearningRate, config.Beta1, config.Beta2, config.Epsilon, config.WeightDecay),
            "shift_adamax" => new ShiftAdaMax(ps, config.LearningRate),
            _ => throw new ConfigException($"optimizer.type '{config.Type}' is not implemented in this build."),
        };
        // A model built with an "arithmetic" block rounds through its policy; so do the optimizer's updates.
        if (model is Nn.Layers.Sequential { OutputHook: Nn.Arithmetic.IUpdateArithmetic arithmetic }) optimizer.UseArithmetic(arithmetic);
        optimizer.MaxGradientNorm = config.ClipNorm;
        return optimizer;
    }

    /// <summary>The learning-rate schedule.</summary>
    public static LearningRateSchedule CreateSchedule(ScheduleConfig schedule, double learningRate, int epochs)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return schedule.Type switch
        {
            "constant" => new ConstantSchedule(learningRate),
            "exponential" => new ExponentialSchedule(learningRate, schedule.EndLearningRate!.Value, epochs),
            "step" => new StepSchedule(learningRate, schedule.Factor, schedule.Every),
            "cosine" => new CosineSchedule(learningRate, schedule.EndLearningRate!.Value, epochs),
            _ => throw new ConfigException($"schedule.type '{schedule.Type}' is not implemented."),
        };
    }

    /// <summary>The loss.</summary>
    public static Loss CreateLoss(string name) => Loss.Create(name);
}
