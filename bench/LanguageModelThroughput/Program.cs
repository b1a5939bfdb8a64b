using System.Diagnostics;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.RecurrentCell;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.LanguageModel;
using TorchSharp;

// Usage: dotnet run -c Release --project bench/LanguageModelThroughput -- [ptbFolder] [threads] [steps] [epoch]
// Trains the 2x200 LSTM baseline and a default 8-leaf searched cell (10k vocab, batch 20, bptt 35) on real PTB for a
// fixed number of steps after a warm-up, and prints training tokens per second (forward, backward, clip, SGD update).
string folder = args.Length > 0 ? args[0] : "/work/shared/data/ptb";
int threads = args.Length > 1 ? int.Parse(args[1]) : 2;
int steps = args.Length > 2 ? int.Parse(args[2]) : 40;
torch.set_num_threads(threads);

var corpus = LoadPtb(folder);
Console.WriteLine($"PTB: {corpus.Train.Length:N0} train tokens, vocabulary {corpus.VocabularySize}, threads {torch.get_num_threads()}");
var shape = new RecurrentCellSearchSpaceOptions { VocabularySize = corpus.VocabularySize };
// The PyTorch peer's recipe (batch 20, plain SGD at learning rate 20), not the library's defaults, so the two do the same work.
var recipe = new LanguageModelTrainingOptions { Optimizer = LanguageModelOptimizer.Sgd, LearningRate = 20, BatchSize = 20, CarryStateAcrossSentences = true, Device = "cpu" };
var space = new RecurrentCellSearchSpace(shape);
// A fixed 8-leaf cell: random operations from seed 0 (memory node moved off the inject node if they coincide).
var random = new Random(0);
var tokens = space.Steps.Select(s => random.Next(s.ChoiceCount)).ToArray();
if (tokens[^1] == tokens[^2]) tokens[^1] = (tokens[^1] + 1) % space.Steps[^1].ChoiceCount;
var cell = space.DecodeCell(tokens);
Console.WriteLine(cell.Describe());

if (args.Length > 3 && args[3] == "epoch")
{
    // One full epoch of the LSTM baseline with full validation and test: a sanity check against the PyTorch recipe.
    var full = new LanguageModelChildTrainer(corpus, recipe);
    using var child = full.TrainLstmBaseline(shape, new ChildTrainingSettings { Seed = 1, EvaluateTest = true });
    var r = child.Result;
    Console.WriteLine($"LSTM 2x200, 1 epoch: train loss {r.TrainLossPerEpoch[0]:F3}, valid ppl {r.ValidationMetricPerEpoch[0]:F1}, " +
        $"test ppl {r.TestMetric:F1}, {r.ExamplesPerSecond:N0} tokens/s, wall {r.WallTime.TotalMinutes:F1} min");
    return;
}

Measure("LSTM 2x200", t => t.TrainLstmBaseline(shape, new ChildTrainingSettings { Seed = 1 }));
Measure("8-leaf cell 2x200", t => t.Train(cell, new ChildTrainingSettings { Seed = 1 }));

void Measure(string name, Func<LanguageModelChildTrainer, TrainedChild> train)
{
    var warm = new LanguageModelChildTrainer(corpus, recipe with { MaxStepsPerEpoch = 3, MaxEvaluationSteps = 1 });
    using (train(warm)) { }
    var trainer = new LanguageModelChildTrainer(corpus, recipe with { MaxStepsPerEpoch = steps, MaxEvaluationSteps = 1 });
    var wall = Stopwatch.StartNew();
    using var child = train(trainer);
    var r = child.Result;
    Console.WriteLine($"{name}: {r.ExamplesPerSecond:N0} tokens/s over {steps} steps of 20x35 tokens " +
        $"(train loss {r.TrainLossPerEpoch[0]:F3}, {r.ParameterCount:N0} params, wall {wall.Elapsed.TotalSeconds:F1}s, failed={r.Failed})");
}

static LanguageModelCorpus LoadPtb(string folder)
{
    IEnumerable<string> Words(string file) => File.ReadLines(Path.Combine(folder, file))
        .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Append("<eos>"));
    var ids = new Dictionary<string, int>();
    foreach (var w in Words("ptb.train.txt"))
        ids.TryAdd(w, ids.Count);
    int[] Encode(string file) => Words(file).Select(w => ids.TryGetValue(w, out int id) ? id
        : throw new InvalidDataException($"{file}: word '{w}' is not in the training vocabulary")).ToArray();
    return new LanguageModelCorpus(Encode("ptb.train.txt"), Encode("ptb.valid.txt"), Encode("ptb.test.txt"), ids.Count, ids["<eos>"]);
}
