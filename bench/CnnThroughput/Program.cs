// Measures training images/second of a mid-size default-space child (6 layers, all 3x3x36, a few skips) on real
// CIFAR-10 with CnnChildTrainer (batch 64, augmentation on and off), and the augmentation's own cost per batch.
using System.Diagnostics;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using TorchSharp;
using static TorchSharp.torch;

if (args.Length > 0 && args[0] == "rss")
{
    RssCheck(fixedArchitecture: args.Length < 2 || args[1] != "random");
    return;
}

string cifarDir = args.Length > 0 ? args[0] : "/work/shared/data/cifar10";
int trainCount = args.Length > 1 ? int.Parse(args[1]) : 5000;
int threads = args.Length > 2 ? int.Parse(args[2]) : 2;
int evaluationBatch = args.Length > 3 ? int.Parse(args[3]) : new CnnTrainingOptions().EvaluationBatchSize;
torch.set_num_threads(threads);

ImageData Load(string file, int count)
{
    const int record = 3073;
    byte[] bytes = File.ReadAllBytes(Path.Combine(cifarDir, file));
    count = Math.Min(count, bytes.Length / record);
    var pixels = new float[count * 3072];
    var labels = new int[count];
    for (int n = 0; n < count; n++)
    {
        labels[n] = bytes[n * record];
        for (int p = 0; p < 3072; p++)
            pixels[n * 3072 + p] = bytes[n * record + 1 + p] / 255f;
    }

    return new ImageData(pixels, labels, 3, 32, 32);
}

var space = new CnnSearchSpace();
var architecture = new CnnArchitecture(space, new[]
{
    new CnnLayer(3, 3, 36),
    new CnnLayer(3, 3, 36, 0),
    new CnnLayer(3, 3, 36, 1),
    new CnnLayer(3, 3, 36, 0, 2),
    new CnnLayer(3, 3, 36, 3),
    new CnnLayer(3, 3, 36, 2, 4),
});
Console.WriteLine($"{architecture.Describe()}");
Console.WriteLine($"threads {torch.get_num_threads()}, train images {trainCount}, batch 64, device {Microsoft.ML.ArchitectureSearch.Training.TorchDevices.Resolve()}");

ImageData train = Load("data_batch_1.bin", trainCount), validation = Load("test_batch.bin", 1000);
if (args.Length > 4 && args[4] == "child-sequence")
{
    ChildSequence(architecture, space, train, validation, tuneAllocator: args.Length > 5 && args[5] == "tuned");
    return;
}

foreach (bool augment in args.Length > 4 && args[4] != "step-share" ? (args[4] == "train-reversed" ? new[] { false, true } : new[] { true, false }) : Array.Empty<bool>())
{
    using var trainer = new CnnChildTrainer(train, validation, options: new CnnTrainingOptions { Augment = augment, EvaluationBatchSize = evaluationBatch });
    using var child = trainer.Train(architecture, new ChildTrainingSettings { Epochs = 1, Seed = 1 });
    TrialResult r = child.Result;
    Console.WriteLine($"augment={augment}: {r.ExamplesPerSecond:F1} images/s (training steps only), epoch wall {r.WallTime.TotalSeconds:F1} s, val acc {r.ValidationMetricPerEpoch[0]:F3}, loss {r.TrainLossPerEpoch[0]:F3}");
}

// Share of a training step outside forward/backward/optimizer ("step-share"): the trainer's rate over its training
// steps (batch slicing, augmentation, learning-rate schedule, loss bookkeeping included) against a bare loop of
// forward + loss + backward + SGD step on one pre-cut batch, same network, optimizer settings and step count,
// alternated twice so that drift in machine load hits both.
if (args.Length > 4 && args[4] == "step-share")
{
    var defaults = new CnnTrainingOptions();
    double Bare()
    {
        using var network = new Microsoft.ML.ArchitectureSearch.Networks.Cnn.ChildCnn(architecture);
        network.train();
        using var sgd = optim.SGD(network.parameters(), defaults.LearningRate, defaults.Momentum, 0, defaults.WeightDecay, defaults.Nesterov);
        using var batchScope = NewDisposeScope();
        Tensor images = randn(defaults.BatchSize, 3, 32, 32);
        Tensor labels = randint(0, 10, defaults.BatchSize, dtype: ScalarType.Int64);
        long steps = train.Count / defaults.BatchSize;
        var watch = Stopwatch.StartNew();
        for (long s = 0; s < steps; s++)
        {
            using var step = NewDisposeScope();
            Tensor loss = nn.functional.cross_entropy(network.forward(images), labels);
            sgd.zero_grad();
            loss.backward();
            sgd.step();
        }
        return steps * defaults.BatchSize / watch.Elapsed.TotalSeconds;
    }
    double Trainer()
    {
        using var trainer = new CnnChildTrainer(train, validation, options: new CnnTrainingOptions { EvaluationBatchSize = evaluationBatch });
        using var child = trainer.Train(architecture, new ChildTrainingSettings { Epochs = 1, Seed = 1 });
        return child.Result.ExamplesPerSecond;
    }
    Bare(); // warm-up: the first epoch of a process is slower (allocator, oneDNN primitive caches)
    for (int round = 1; round <= 2; round++)
    {
        double bare = Bare(), full = Trainer();
        Console.WriteLine($"round {round}: bare forward/backward/step {bare:F1} images/s, CnnChildTrainer steps {full:F1} images/s, " +
            $"share of a step outside forward/backward/step {100 * (1 - full / bare):F1}%");
    }
    return;
}

// Inference cost per image against batch size (large batches allocate huge maps; see EvaluationBatchSize).
using (var network = new Microsoft.ML.ArchitectureSearch.Networks.Cnn.ChildCnn(architecture))
{
    network.eval();
    using var noGrad = no_grad();
    foreach (int size in new[] { 64, 128, 256, 500 })
    {
        using var scope = NewDisposeScope();
        Tensor images = randn(size, 3, 32, 32);
        network.forward(images);
        var watch = Stopwatch.StartNew();
        int reps = Math.Max(1, 1000 / size);
        for (int i = 0; i < reps; i++)
        {
            using var inner = NewDisposeScope();
            network.forward(images);
        }

        Console.WriteLine($"inference batch {size}: {reps * size / watch.Elapsed.TotalSeconds:F0} images/s");
    }
}

// Augmentation alone, on a batch like the trainer's.
var augmenter = new ImageBatchAugmenter(4);
var random = new Random(1);
using (var scope = NewDisposeScope())
{
    Tensor batch = randn(64, 3, 32, 32);
    for (int i = 0; i < 20; i++)
        augmenter.Apply(batch, random).Dispose();
    var watch = Stopwatch.StartNew();
    const int reps = 500;
    for (int i = 0; i < reps; i++)
    {
        using var inner = NewDisposeScope();
        augmenter.Apply(batch, random);
    }

    Console.WriteLine($"augmentation: {watch.Elapsed.TotalMilliseconds / reps:F3} ms per batch of 64");
}

// Trains 60 tiny children on synthetic data and prints the resident set size every 10, to see that repeated trainings
// (dispose scopes, disposed networks and optimisers) do not leak native memory.
static void RssCheck(bool fixedArchitecture)
{
    torch.set_num_threads(2);
    var random = new Random(1);
    int count = 256, size = 16;
    var pixels = new float[count * 3 * size * size];
    for (int i = 0; i < pixels.Length; i++)
        pixels[i] = (float)random.NextDouble();
    var labels = Enumerable.Range(0, count).Select(i => i % 10).ToArray();
    var data = new ImageData(pixels, labels, 3, size, size);
    var space = new CnnSearchSpace(new CnnSearchSpaceOptions { InputHeight = size, InputWidth = size, FilterCounts = new[] { 8, 16 } });
    using var trainer = new CnnChildTrainer(data, data, options: new CnnTrainingOptions { Device = "cpu" });
    for (int child = 1; child <= 160; child++)
    {
        // The same architecture each time unless "rss random": growth then cannot come from ever-new tensor sizes.
        var tokens = space.Steps.Select(s => fixedArchitecture ? s.ChoiceCount - 1 : random.Next(s.ChoiceCount)).ToArray();
        using (trainer.Train(space.Decode(tokens), new ChildTrainingSettings { Epochs = 1, Seed = child, EvaluateTest = true }))
        {
        }

        if (child % 20 == 0)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Console.WriteLine($"after {child} children: RSS {Process.GetCurrentProcess().WorkingSet64 / (1 << 20)} MiB, managed {GC.GetTotalMemory(true) / (1 << 20)} MiB");
        }
    }
}

// "child-sequence": is the slow first epoch paid once per process or once per new network shape? Trains, in one
// process, the 6-layer child A, then a child B of other shapes (filter sizes and widths), then A and B again, each one
// epoch from a fresh network, and prints per training: wall time, training images/s, process CPU milliseconds per
// training image (user + system over the whole Train call, which is what contention does not inflate), minor page
// faults and .NET JIT time. A1 vs A2 is the per-process cost; B1 (a new shape in a warm process) vs B2 the per-shape cost.
static void ChildSequence(CnnArchitecture a, CnnSearchSpace space, ImageData train, ImageData validation, bool tuneAllocator)
{
    if (tuneAllocator)
        Console.WriteLine($"mallopt applied: {NativeAllocator.Tune(Microsoft.ML.ArchitectureSearch.NativeAllocatorTuning.Speed).InForce}");
    var b = new CnnArchitecture(space, new[]
    {
        new CnnLayer(5, 5, 48),
        new CnnLayer(3, 7, 24, 0),
        new CnnLayer(1, 3, 64, 0, 1),
        new CnnLayer(7, 1, 36, 2),
        new CnnLayer(5, 3, 48, 1, 3),
        new CnnLayer(3, 3, 24, 4),
    });
    Console.WriteLine($"B: {b.Describe()}");
    foreach (var (name, architecture) in new[] { ("A1", a), ("B1", b), ("A2", a), ("B2", b) })
    {
        var before = ReadProcStat();
        TimeSpan jitBefore = System.Runtime.JitInfo.GetCompilationTime();
        var watch = Stopwatch.StartNew();
        using var trainer = new CnnChildTrainer(train, validation, options: new CnnTrainingOptions());
        using var child = trainer.Train(architecture, new ChildTrainingSettings { Epochs = 1, Seed = 1 });
        double wall = watch.Elapsed.TotalSeconds;
        var after = ReadProcStat();
        double cpuMsPerImage = 1000 * (after.CpuSeconds - before.CpuSeconds) / train.Count;
        Console.WriteLine($"RESULT child={name} wall_s={wall:F1} train_ips={child.Result.ExamplesPerSecond:F1} " +
            $"cpu_ms_per_train_image={cpuMsPerImage:F2} minor_faults={after.MinorFaults - before.MinorFaults} " +
            $"jit_ms={(System.Runtime.JitInfo.GetCompilationTime() - jitBefore).TotalMilliseconds:F0} " +
            $"val_acc={child.Result.ValidationMetricPerEpoch[0]:F4} rss_mib={Process.GetCurrentProcess().WorkingSet64 >> 20}");
    }
}

// Process-wide minor faults and CPU seconds (all threads) from /proc/self/stat (fields 10, 14 and 15).
static (long MinorFaults, double CpuSeconds) ReadProcStat()
{
    string stat = File.ReadAllText("/proc/self/stat");
    string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    const double ticksPerSecond = 100; // sysconf(_SC_CLK_TCK) on Linux
    return (long.Parse(fields[7]), (long.Parse(fields[11]) + long.Parse(fields[12])) / ticksPerSecond);
}
