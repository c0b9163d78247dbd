using System.Text.Json.Nodes;

namespace Lowbit.Api;

/// <summary>
/// How a <see cref="LowbitModel"/> trains: the config fields besides the layers and the data. Fields left null take the
/// config defaults (docs and <c>lowbit train</c>'s), except <see cref="Threads"/>, which defaults to every core.
/// Anything else a config can say goes in <see cref="Set"/> as <c>--set</c> assignments.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Run name (result.json's "model", the default output folder runs/NAME).</summary>
    public string Name { get; init; } = "model";

    /// <summary>Seed of every random choice of training (shuffling, dropout, stochastic quantizers).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Compute threads, or null for <see cref="Environment.ProcessorCount"/>. Results are reproducible per seed and thread count.</summary>
    public int? Threads { get; init; }

    /// <summary>Epochs (config default 10).</summary>
    public int? Epochs { get; init; }

    /// <summary>Mini-batch size (config default 100).</summary>
    public int? BatchSize { get; init; }

    /// <summary>softmax_cross_entropy (default), squared_hinge or mse.</summary>
    public string? Loss { get; init; }

    /// <summary>adam (default), sgd, adamax or shift_adamax.</summary>
    public string? Optimizer { get; init; }

    /// <summary>Initial learning rate (config default 0.001).</summary>
    public double? LearningRate { get; init; }

    /// <summary>constant (default), exponential, step or cosine.</summary>
    public string? Schedule { get; init; }

    /// <summary>Final learning rate of the exponential and cosine schedules.</summary>
    public double? EndLearningRate { get; init; }

    /// <summary>Further config assignments, e.g. "optimizer.momentum=0.9" or "data.augment.horizontal_flip=true".</summary>
    public IReadOnlyList<string> Set { get; init; } = [];

    /// <summary>The config (without layers and data) these options describe.</summary>
    internal JsonObject ToJson()
    {
        var optimizer = new JsonObject();
        if (Optimizer is not null) optimizer["type"] = Optimizer;
        if (LearningRate is { } lr) optimizer["lr"] = lr;
        var schedule = new JsonObject();
        if (Schedule is not null) schedule["type"] = Schedule;
        if (EndLearningRate is { } end) schedule["end_lr"] = end;
        var train = new JsonObject();
        if (Epochs is { } epochs) train["epochs"] = epochs;
        if (BatchSize is { } batch) train["batch_size"] = batch;
        var config = new JsonObject
        {
            ["name"] = Name,
            ["seed"] = Seed,
            ["threads"] = Threads ?? Environment.ProcessorCount,
            ["optimizer"] = optimizer,
            ["schedule"] = schedule,
            ["train"] = train,
        };
        if (Loss is not null) config["loss"] = Loss;
        return config;
    }
}
