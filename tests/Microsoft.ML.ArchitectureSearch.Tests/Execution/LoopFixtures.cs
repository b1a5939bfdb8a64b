using System.Text.Json;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using Microsoft.ML.ArchitectureSearch.Strategies;
using Microsoft.ML.ArchitectureSearch.Training;

namespace Microsoft.ML.ArchitectureSearch.Tests.Execution;

/// <summary>A small space of <c>steps</c> choices of <c>choices</c> tokens; "parameters" grow with the token sum.</summary>
internal sealed class TinySpace : ISearchSpace
{
    public TinySpace(int steps = 4, int choices = 3)
    {
        Steps = Enumerable.Range(0, steps).Select(i => DecisionStep.Choice($"d{i}", i, Enumerable.Range(0, choices).Select(c => c.ToString()))).ToArray();
    }

    public string Name => "tiny";
    public IReadOnlyList<DecisionStep> Steps { get; }
    public string Fingerprint => $"tiny:{Steps.Count}x{Steps[0].ChoiceCount}";
    public IReadOnlyList<bool>? AllowedChoices(IReadOnlyList<int> prefix) => null;

    public IArchitecture Decode(IReadOnlyList<int> tokens)
    {
        if (tokens.Count != Steps.Count) throw new ArchitectureValidationException($"expected {Steps.Count} tokens, got {tokens.Count}");
        for (int i = 0; i < tokens.Count; i++)
            if (tokens[i] < 0 || tokens[i] >= Steps[i].ChoiceCount) throw new ArchitectureValidationException($"step {Steps[i].Name}: token {tokens[i]} out of range");
        return new TinyArchitecture(this, tokens.ToArray());
    }

    public IArchitecture FromJson(string json) => Decode(JsonSerializer.Deserialize<int[]>(json)!);
    public IReadOnlyList<ReferenceArchitecture> References { get; init; } = Array.Empty<ReferenceArchitecture>();
}

internal sealed record TinyArchitecture(ISearchSpace Space, int[] TokenArray) : IArchitecture, IDrawableArchitecture
{
    public IReadOnlyList<int> Tokens => TokenArray;
    public long ParameterCount => 100 + 10 * TokenArray.Sum();
    public long MultiplyAdds => 1000 + 100 * TokenArray.Sum();
    public string Hash => ArchitectureHash.Compute(Space.Fingerprint, TokenArray);
    public string Describe() => string.Join("-", TokenArray);
    public string ToJson() => JsonSerializer.Serialize(TokenArray);

    /// <summary>A chain input -> d0 -> d1 ... -> output, plus a skip from the input to the last step.</summary>
    public ArchitectureGraph ToGraph()
    {
        var nodes = new List<GraphNode> { new("in", "input", 0) };
        nodes.AddRange(TokenArray.Select((t, i) => new GraphNode($"d{i}", $"step {i}: {t}", i + 1)));
        nodes.Add(new GraphNode("out", "output", TokenArray.Length + 1));
        var edges = nodes.Zip(nodes.Skip(1), (a, b) => new GraphEdge(a.Id, b.Id)).ToList();
        edges.Add(new GraphEdge("in", $"d{TokenArray.Length - 1}"));
        return new ArchitectureGraph(nodes, edges);
    }
}

/// <summary>
/// Scaffolding strategy for loop tests: a seeded generator whose whole state is one number, and which drifts toward
/// rewarded tokens (so a resume that lost learned feedback would propose differently).
/// </summary>
internal sealed class DriftingStrategy : ISearchStrategy
{
    private ulong _state;
    private int _learned;

    public DriftingStrategy(ISearchSpace space, int seed) { Space = space; _state = (ulong)seed * 2654435761UL + 1; }

    public string Name => "drifting";
    public ISearchSpace Space { get; }
    public bool ProposalsDependOnResults => true; // it drifts with every learned reward
    public int LearnCalls { get; private set; }

    public IReadOnlyList<IReadOnlyList<int>> Propose(int count)
    {
        var result = new List<IReadOnlyList<int>>();
        for (int c = 0; c < count; c++)
            result.Add(Space.Steps.Select(s => (int)((Next() + (ulong)_learned) % (ulong)s.ChoiceCount)).ToArray());
        return result;
    }

    public void Learn(IReadOnlyList<TrialFeedback> feedback)
    {
        LearnCalls++;
        foreach (TrialFeedback f in feedback) _learned += (int)Math.Round(f.Reward * 10);
    }

    /// <summary>The references the loop reported, per call (a test asserts they arrive once, before any proposal).</summary>
    public List<IReadOnlyList<TrialFeedback>> ReferenceCalls { get; } = new();

    public void LearnFromReferences(IReadOnlyList<TrialFeedback> references) => ReferenceCalls.Add(references);

    public void SaveState(Stream stream) { using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, true); w.Write(_state); w.Write(_learned); }
    public void LoadState(Stream stream) { using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, true); _state = r.ReadUInt64(); _learned = r.ReadInt32(); }
    public void Dispose() { }

    private ulong Next() { _state = _state * 6364136223846793005UL + 1442695040888963407UL; return _state >> 33; }
}

/// <summary>
/// Scaffolding trainer: the reward is a fixed function of the tokens and the seed (like a deterministic CPU training run),
/// with a validation curve over epochs; it can be told to "crash" (throw) at a given trial to simulate a killed process.
/// </summary>
internal sealed class FormulaTrainer : IChildTrainer
{
    public int Trained;
    public int? CrashOnCall;

    /// <summary>Crash, after a pause, when asked to train with this seed (trial seeds derive from the trial index).</summary>
    public int? CrashOnSeed;
    public Action<int>? OnTrain;

    public bool LowerMetricIsBetter => false;

    public TrainedChild Train(IArchitecture architecture, ChildTrainingSettings settings, CancellationToken cancellationToken = default)
    {
        int call = Interlocked.Increment(ref Trained);
        if (CrashOnCall == call) throw new IOException("simulated crash");
        if (CrashOnSeed == settings.Seed)
        {
            Thread.Sleep(300); // a parallel batch-mate (a millisecond's work) finishes and is logged first
            throw new IOException("simulated crash");
        }
        OnTrain?.Invoke(call);
        cancellationToken.ThrowIfCancellationRequested(); // like the real trainers
        double quality = architecture.Tokens.Sum() / (double)(architecture.Tokens.Count * 2) * 0.8 + (settings.Seed % 100) / 1000.0;
        var curve = new List<double>();
        for (int e = 0; e < settings.Epochs; e++)
        {
            curve.Add(quality * (e + 1) / settings.Epochs);
            if (settings.ContinueAfterEpoch?.Invoke(e, curve[^1]) == false) break;
        }
        var result = new TrialResult
        {
            MetricName = "accuracy",
            ValidationMetricPerEpoch = curve,
            Reward = curve.Max(),
            EpochsCompleted = curve.Count,
            WallTime = TimeSpan.FromMilliseconds(1),
            ParameterCount = architecture.ParameterCount,
        };
        return new TrainedChild(result, null);
    }

    /// <summary>Scaffolding latency: one millisecond per thousand parameters, so that bigger children are slower.</summary>
    public double MeasureLatencyMilliseconds(TrainedChild child, int runs, int? threads) => child.Result.ParameterCount / 1000.0;
}

/// <summary>A search log that keeps every message, for tests that check what a user would read.</summary>
internal sealed class RecordingSearchLog : ISearchLog
{
    private readonly List<string> _messages = new();

    public IReadOnlyList<string> Messages
    {
        get { lock (_messages) return _messages.ToArray(); }
    }

    public void Info(string message)
    {
        lock (_messages) _messages.Add(message);
    }

    public void Warning(string message)
    {
        lock (_messages) _messages.Add("warning: " + message);
    }
}

/// <summary>A checkpointed search of <see cref="DriftingStrategy"/> over <see cref="TinySpace"/> (milliseconds per run).</summary>
internal static class TinyCheckpointedSearch
{
    public static SearchOutcome Run(string directory, int maxTrials, FormulaTrainer? trainer = null, int seed = 11, int epochs = 3,
        int parallelism = 1, string data = "data-v1", ISearchLog? log = null)
    {
        using var strategy = new DriftingStrategy(new TinySpace(), seed);
        var options = new SearchRunOptions
        {
            Budget = new SearchBudget { MaxTrials = maxTrials },
            Seed = seed,
            TrialEpochs = epochs,
            CheckpointDirectory = directory,
            DataFingerprint = data,
            Parallelism = parallelism,
        };
        return new ArchitectureSearchRunner(strategy, trainer ?? new FormulaTrainer(), options, log).Run();
    }
}
