// Training and inference speed of an airbench94-shaped CNN built directly in TorchSharp (no library code), on random
// data: whitening conv 2x2x24 (+bias, weight frozen) -> GELU -> three groups of [conv3x3 -> maxpool2 -> BatchNorm ->
// GELU -> conv3x3 -> BatchNorm -> GELU] (64/256/256 channels; BatchNorm eps 1e-12, momentum 0.6, scale frozen) ->
// maxpool3 -> linear 256->10 (no bias) -> x1/9; Nesterov SGD, cross entropy with label smoothing 0.2.
// The PyTorch peer is bench/airbench_peer.py (same network, recipe and options); bench/run-airbench-throughput.sh runs
// both. Variants:
//   fp32     float32, NCHW (contiguous) tensors and weights
//   cl       float32, channels-last: input batches and conv weights carry NHWC strides (no TorchSharp API for
//            memory_format in 0.107: built as x.permute(0,2,3,1).contiguous().permute(0,3,1,2))
//   bf16     mixed precision like PyTorch's CPU autocast (TorchSharp 0.107 has none): float32 master weights; conv and
//            linear run in bfloat16 (input and weight cast with .to_type(BFloat16), a differentiable cast); max-pool,
//            BatchNorm (bfloat16 input, float32 scale/shift/running stats) and GELU on the bfloat16 maps; logits cast
//            to float32 for the loss
//   bf16-bn32  as bf16, but the maps are cast to float32 for BatchNorm, GELU runs in float32, the next conv casts back
//   cl-bf16, cl-bf16-bn32  channels-last and the above
// Output lines starting with "RESULT" are what bench/run-airbench-throughput.sh collects.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var options = BenchOptions.Parse(args);
// The in-process equivalent of GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=...: must run before
// libtorch allocates (TorchSharp loads the native libraries on the first torch call below).
string malloptReport = options.Mallopt ? NativeMemory.ApplyMallopt() : "none";
double startupSeconds = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds;

torch.set_num_threads(options.Threads);
torch.manual_seed(1);
Console.WriteLine($"airbench94-shaped CNN, TorchSharp, variant {options.Variant}, threads {torch.get_num_threads()}, " +
    $"mallopt {malloptReport}, dispose {options.Dispose}, MALLOC_CONF={Environment.GetEnvironmentVariable("MALLOC_CONF") ?? "-"}, " +
    $"GLIBC_TUNABLES={Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? "-"}, LD_PRELOAD={Environment.GetEnvironmentVariable("LD_PRELOAD") ?? "-"}, " +
    $"DOTNET_TieredCompilation={Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") ?? "-"}, " +
    $"DOTNET_TieredPGO={Environment.GetEnvironmentVariable("DOTNET_TieredPGO") ?? "-"}, DOTNET_ReadyToRun={Environment.GetEnvironmentVariable("DOTNET_ReadyToRun") ?? "-"}");

using var net = new AirbenchNet(options.Variant, options.Dispose);
Console.WriteLine($"parameters {net.parameters().Sum(p => p.numel())}, trainable {net.parameters().Where(p => p.requires_grad).Sum(p => p.numel())}");

if (options.Mode == "train")
    Train(net, options, startupSeconds);
else if (options.Mode == "infer")
    Infer(net, options);
else
    Numerics(options);

// One forward + backward of the same weights (same seed) and batch in float32 NCHW and in each other variant: how far
// the logits, the loss and the gradients move (train-mode BatchNorm, batch statistics).
static void Numerics(BenchOptions o)
{
    manual_seed(7);
    Tensor images = randn(256, 3, 32, 32);
    Tensor labels = randint(0, 10, new long[] { 256 }, dtype: ScalarType.Int64);
    (Tensor Logits, double Loss, Tensor Gradient) Run(string name)
    {
        var variant = Variant.Parse(name);
        manual_seed(1);
        using var model = new AirbenchNet(variant, DisposeMode.Scope);
        model.train();
        Tensor input = variant.ChannelsLast ? AirbenchNet.ToChannelsLast(images) : images;
        Tensor logits = model.forward(input).to_type(ScalarType.Float32);
        Tensor loss = nn.functional.cross_entropy(logits, labels, label_smoothing: 0.2);
        loss.backward();
        Tensor gradient = cat(model.parameters().Where(p => p.requires_grad).Select(p => p.grad!.detach().flatten().to_type(ScalarType.Float32)).ToList(), 0);
        return (logits.detach(), loss.item<float>(), gradient);
    }

    var reference = Run("fp32");
    Console.WriteLine($"fp32: loss {reference.Loss:F6}");
    foreach (string name in new[] { "cl", "bf16", "bf16-bn32", "cl-bf16" })
    {
        var r = Run(name);
        double logitError = (r.Logits - reference.Logits).norm().item<float>() / reference.Logits.norm().item<float>();
        double gradientError = (r.Gradient - reference.Gradient).norm().item<float>() / reference.Gradient.norm().item<float>();
        double cosine = (r.Gradient.dot(reference.Gradient) / (r.Gradient.norm() * reference.Gradient.norm())).item<float>();
        Console.WriteLine($"RESULT lang=cs mode=numerics variant={name} loss={r.Loss:F6} loss_diff={r.Loss - reference.Loss:E2} " +
            $"logits_rel_l2={logitError:E2} grad_rel_l2={gradientError:E2} grad_cosine={cosine:F6}");
    }
}

static Tensor RandomImages(long count, bool channelsLast)
{
    Tensor images = randn(count, 3, 32, 32);
    if (!channelsLast)
        return images;
    Tensor converted = AirbenchNet.ToChannelsLast(images);
    images.Dispose();
    return converted;
}

static void Train(AirbenchNet net, BenchOptions o, double startupSeconds)
{
    net.train();
    using var sgd = optim.SGD(net.parameters().Where(p => p.requires_grad), 0.02, momentum: 0.85, weight_decay: 5e-4, nesterov: true);
    const int batchCount = 4; // a few distinct random batches, reused
    var images = new Tensor[batchCount];
    var labels = new Tensor[batchCount];
    for (int i = 0; i < batchCount; i++)
    {
        images[i] = RandomImages(o.Batch, net.ChannelsLast);
        labels[i] = randint(0, 10, new long[] { o.Batch }, dtype: ScalarType.Int64);
    }

    float lastLoss = float.NaN;
    int step = 0;
    double Step()
    {
        var watch = Stopwatch.StartNew();
        using (NewDisposeScope())
        {
            Tensor logits = net.forward(images[step % batchCount]);
            Tensor loss = nn.functional.cross_entropy(logits.dtype == ScalarType.Float32 ? logits : logits.to_type(ScalarType.Float32),
                labels[step % batchCount], label_smoothing: 0.2);
            sgd.zero_grad();
            loss.backward();
            sgd.step();
            if (o.SyncLoss)
                lastLoss = loss.item<float>();
        }

        step++;
        return watch.Elapsed.TotalSeconds;
    }

    ProcStats.ResetPeak();
    var beforeWarmup = ProcStats.Sample();
    var warmupWatch = Stopwatch.StartNew();
    TimeSpan jitAtStart = System.Runtime.JitInfo.GetCompilationTime();
    for (int w = 0; w < o.Warmup; w++)
        Console.WriteLine($"warm-up step {w + 1}: {Step():F2} s");
    if (o.Warmup > 0)
    {
        var afterWarmup = ProcStats.Sample();
        Console.WriteLine($"warm-up: {o.Warmup} steps {warmupWatch.Elapsed.TotalSeconds:F2} s, minor faults {afterWarmup.MinorFaults - beforeWarmup.MinorFaults}, " +
            $".NET JIT {(System.Runtime.JitInfo.GetCompilationTime() - jitAtStart).TotalMilliseconds:F0} ms");
    }

    var epochRates = new List<double>();
    var epochFaults = new List<double>();
    var epochSystem = new List<double>();
    var epochUser = new List<double>();
    var stepTimes = new List<double>();
    for (int epoch = 1; epoch <= o.Epochs; epoch++)
    {
        var before = ProcStats.Sample();
        TimeSpan jitBefore = System.Runtime.JitInfo.GetCompilationTime();
        long methodsBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
        double seconds = 0;
        var times = new List<double>();
        var faults = new List<long>();
        long lastFaults = before.MinorFaults;
        for (int s = 0; s < o.Steps; s++)
        {
            double t = Step();
            seconds += t;
            times.Add(t);
            long now = ProcStats.Sample().MinorFaults;
            faults.Add(now - lastFaults);
            lastFaults = now;
        }

        var after = ProcStats.Sample();
        double jitMs = (System.Runtime.JitInfo.GetCompilationTime() - jitBefore).TotalMilliseconds;
        long jitMethods = System.Runtime.JitInfo.GetCompiledMethodCount() - methodsBefore;
        stepTimes.AddRange(times);
        double rate = o.Steps * o.Batch / seconds;
        double faultsPerStep = (after.MinorFaults - before.MinorFaults) / (double)o.Steps;
        double systemPerStep = (after.SystemSeconds - before.SystemSeconds) / o.Steps;
        double userPerStep = (after.UserSeconds - before.UserSeconds) / o.Steps;
        epochRates.Add(rate);
        epochFaults.Add(faultsPerStep);
        epochSystem.Add(systemPerStep);
        epochUser.Add(userPerStep);
        Console.WriteLine($"epoch {epoch}: {rate:F1} images/s, steps {string.Join(" ", times.Select(t => t.ToString("F2")))} s, " +
            $"minor faults per step {string.Join(" ", faults.Select(f => $"{f / 1000}k"))}; " +
            $"per step: system {systemPerStep:F2} s, user {userPerStep:F2} s, RSS {ProcStats.RssMiB():F0} MiB; " +
            $".NET JIT in this epoch {jitMs:F0} ms ({jitMethods} methods)");
    }

    double steady = epochRates.Count > 1 ? (o.Steps * (o.Epochs - 1) * o.Batch) / stepTimes.Skip(o.Steps).Sum() : double.NaN;
    double steadyFaults = epochFaults.Count > 1 ? epochFaults.Skip(1).Average() : double.NaN;
    double steadySystem = epochSystem.Count > 1 ? epochSystem.Skip(1).Average() : double.NaN;
    double steadyUser = epochUser.Count > 1 ? epochUser.Skip(1).Average() : double.NaN;
    if (net.Probe is not null)
        Console.WriteLine($"first group output: {net.Probe}");
    if (o.SyncLoss)
        Console.WriteLine($"last loss {lastLoss:F4}");
    Console.WriteLine($"RESULT lang=cs mode=train variant={o.Variant} tag={o.Tag} batch={o.Batch} warmup={o.Warmup} " +
        $"first_epoch_ips={epochRates[0]:F1} steady_ips={steady:F1} first_over_steady={epochRates[0] / steady:F3} " +
        $"step1_s={stepTimes[0]:F2} median_steady_step_s={Median(stepTimes.Skip(o.Steps)):F2} " +
        $"steady_minflt_per_step={steadyFaults:F0} first_minflt_per_step={epochFaults[0]:F0} steady_sys_s_per_step={steadySystem:F3} " +
        $"steady_user_s_per_step={steadyUser:F3} steady_cpu_ms_per_image={1000 * (steadyUser + steadySystem) / o.Batch:F2} " +
        $"peak_rss_mib={ProcStats.PeakRssMiB():F0} startup_s={startupSeconds:F2}");
}

static void Infer(AirbenchNet net, BenchOptions o)
{
    net.eval();
    using var noGrad = no_grad();
    foreach (int size in o.Sizes)
    {
        using var sizeScope = NewDisposeScope();
        Tensor images = RandomImages(size, net.ChannelsLast);
        GC.Collect();
        ProcStats.ResetPeak();
        var firstWatch = Stopwatch.StartNew();
        using (NewDisposeScope())
            net.forward(images);
        double first = firstWatch.Elapsed.TotalSeconds;
        int reps = Math.Max(3, o.Images / size);
        var before = ProcStats.Sample();
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++)
        {
            using var scope = NewDisposeScope();
            net.forward(images);
        }

        double seconds = watch.Elapsed.TotalSeconds;
        var after = ProcStats.Sample();
        Console.WriteLine($"RESULT lang=cs mode=infer variant={o.Variant} tag={o.Tag} dispose={o.Dispose} batch={size} " +
            $"ips={reps * size / seconds:F1} first_batch_s={first:F3} minflt_per_batch={(after.MinorFaults - before.MinorFaults) / (double)reps:F0} " +
            $"sys_s_per_batch={(after.SystemSeconds - before.SystemSeconds) / reps:F3} peak_rss_mib={ProcStats.PeakRssMiB():F0} reps={reps}");
    }
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.OrderBy(v => v).ToArray();
    return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

/// <summary>How the network's forward treats intermediates that are dead before the batch's dispose scope ends.</summary>
internal enum DisposeMode
{
    /// <summary>Every intermediate lives until the caller's per-batch dispose scope ends.</summary>
    Scope,
    /// <summary>Each intermediate is disposed (its storage freed unless autograd saved it) as soon as it is dead.</summary>
    Eager,
    /// <summary>A dispose scope per conv group; the group's output is moved out, the group's input disposed after it.</summary>
    Block,
}

/// <summary>Precision and memory layout of one variant.</summary>
internal sealed record Variant(string Name, bool ChannelsLast, bool BFloat16, bool NormInFloat32)
{
    public static Variant Parse(string name) => name switch
    {
        "fp32" => new Variant(name, false, false, false),
        "cl" => new Variant(name, true, false, false),
        "bf16" => new Variant(name, false, true, false),
        "bf16-bn32" => new Variant(name, false, true, true),
        "cl-bf16" => new Variant(name, true, true, false),
        "cl-bf16-bn32" => new Variant(name, true, true, true),
        _ => throw new ArgumentException($"unknown variant {name}"),
    };

    public override string ToString() => Name;
}

/// <summary>Shared pieces of the conv layers: conv in the variant's precision, BatchNorm, dropping dead intermediates.</summary>
internal abstract class AirbenchPart : nn.Module<Tensor, Tensor>
{
    protected AirbenchPart(string name, Variant variant, DisposeMode dispose) : base(name)
    {
        Variant = variant;
        DisposeMode = dispose;
    }

    protected Variant Variant { get; }

    protected DisposeMode DisposeMode { get; }

    /// <summary>Disposes a dead intermediate in Eager mode (autograd keeps its own reference when it saved it).</summary>
    protected void Drop(Tensor t)
    {
        if (DisposeMode == DisposeMode.Eager)
            t.Dispose();
    }

    protected Tensor Conv(Conv2d conv, Tensor x, long padding)
    {
        if (!Variant.BFloat16)
            return conv.forward(x);
        Tensor input = x.dtype == ScalarType.BFloat16 ? x : x.to_type(ScalarType.BFloat16);
        Tensor weight = conv.weight!.to_type(ScalarType.BFloat16);
        Tensor? bias = conv.bias?.to_type(ScalarType.BFloat16);
        Tensor y = nn.functional.conv2d(input, weight, bias, padding: new[] { padding, padding });
        if (!ReferenceEquals(input, x))
            Drop(input);
        Drop(weight);
        if (bias is not null)
            Drop(bias);
        return y;
    }

    protected Tensor Norm(BatchNorm2d norm, Tensor x)
    {
        if (!Variant.NormInFloat32 || x.dtype == ScalarType.Float32)
            return norm.forward(x);
        Tensor wide = x.to_type(ScalarType.Float32);
        Tensor y = norm.forward(wide);
        Drop(wide);
        return y;
    }
}

/// <summary>conv3x3 -> maxpool2 -> BatchNorm -> GELU -> conv3x3 -> BatchNorm -> GELU.</summary>
internal sealed class ConvGroup : AirbenchPart
{
    private readonly Conv2d conv1, conv2;
    private readonly BatchNorm2d norm1, norm2;

    public ConvGroup(string name, long input, long output, Variant variant, DisposeMode dispose) : base(name, variant, dispose)
    {
        conv1 = nn.Conv2d(input, output, 3, padding: 1, bias: false);
        conv2 = nn.Conv2d(output, output, 3, padding: 1, bias: false);
        norm1 = AirbenchNet.Norm(output);
        norm2 = AirbenchNet.Norm(output);
        RegisterComponents();
        if (variant.ChannelsLast)
        {
            AirbenchNet.WeightsToChannelsLast(conv1);
            AirbenchNet.WeightsToChannelsLast(conv2);
        }
    }

    public override Tensor forward(Tensor x)
    {
        Tensor a = Conv(conv1, x, 1);
        Tensor b = nn.functional.max_pool2d(a, 2);
        Drop(a);
        Tensor c = Norm(norm1, b);
        Drop(b);
        Tensor d = nn.functional.gelu(c);
        Drop(c);
        Tensor e = Conv(conv2, d, 1);
        Drop(d);
        Tensor f = Norm(norm2, e);
        Drop(e);
        Tensor g = nn.functional.gelu(f);
        Drop(f);
        return g;
    }
}

/// <summary>The whole network; see the file header.</summary>
internal sealed class AirbenchNet : AirbenchPart
{
    private readonly Conv2d whiten;
    private readonly ConvGroup group1, group2, group3;
    private readonly Linear head;

    public AirbenchNet(Variant variant, DisposeMode dispose) : base("airbench", variant, dispose)
    {
        whiten = nn.Conv2d(3, 24, 2, bias: true); // no padding: 32x32 -> 31x31
        group1 = new ConvGroup("group1", 24, 64, variant, dispose);
        group2 = new ConvGroup("group2", 64, 256, variant, dispose);
        group3 = new ConvGroup("group3", 256, 256, variant, dispose);
        head = nn.Linear(256, 10, hasBias: false);
        RegisterComponents();
        whiten.weight!.requires_grad = false; // airbench: whitening filters come from the data and stay fixed
        if (variant.ChannelsLast)
            WeightsToChannelsLast(whiten);
    }

    public bool ChannelsLast => Variant.ChannelsLast;

    /// <summary>Strides and dtype of the first conv group's output at the first forward (checks the layout took).</summary>
    public string? Probe { get; private set; }

    public static BatchNorm2d Norm(long channels)
    {
        var norm = nn.BatchNorm2d(channels, eps: 1e-12, momentum: 0.6);
        norm.weight!.requires_grad = false; // airbench trains the shift only
        return norm;
    }

    /// <summary>Same shape, NHWC strides (PyTorch's torch.channels_last) for a 4-d tensor.</summary>
    public static Tensor ToChannelsLast(Tensor t)
    {
        using Tensor nhwc = t.permute(0, 2, 3, 1);
        using Tensor dense = nhwc.contiguous();
        return dense.permute(0, 3, 1, 2);
    }

    public static void WeightsToChannelsLast(Conv2d conv)
    {
        Parameter old = conv.weight!;
        using (no_grad())
            conv.weight = new Parameter(ToChannelsLast(old.detach()), old.requires_grad);
        old.Dispose();
    }

    public override Tensor forward(Tensor x)
    {
        Tensor w = Conv(whiten, x, 0);
        Tensor a = nn.functional.gelu(w);
        Drop(w);
        Tensor b = Group(group1, a);
        Probe ??= $"strides [{string.Join(",", b.stride())}] of shape [{string.Join(",", b.shape)}], dtype {b.dtype}";
        Tensor c = Group(group2, b);
        Tensor d = Group(group3, c);
        Tensor e = nn.functional.max_pool2d(d, 3);
        Drop(d);
        Tensor f = e.flatten(1);
        Tensor g;
        if (Variant.BFloat16)
        {
            Tensor weight = head.weight!.to_type(ScalarType.BFloat16);
            Tensor input = f.dtype == ScalarType.BFloat16 ? f : f.to_type(ScalarType.BFloat16);
            g = nn.functional.linear(input, weight);
            Drop(weight);
            if (!ReferenceEquals(input, f))
                Drop(input);
        }
        else
        {
            g = head.forward(f);
        }

        Drop(f);
        Drop(e);
        Tensor logits = g.mul(1.0 / 9);
        Drop(g);
        return logits;
    }

    private Tensor Group(ConvGroup group, Tensor x)
    {
        if (DisposeMode != DisposeMode.Block)
        {
            Tensor y = group.forward(x);
            Drop(x);
            return y;
        }

        Tensor output;
        using (NewDisposeScope())
            output = group.forward(x).MoveToOuterDisposeScope();
        x.Dispose();
        return output;
    }
}

internal sealed class BenchOptions
{
    public string Mode { get; private set; } = "train";
    public Variant Variant { get; private set; } = Variant.Parse("fp32");
    public int Batch { get; private set; } = 512;
    public int Steps { get; private set; } = 4;
    public int Epochs { get; private set; } = 3;
    public int Warmup { get; private set; }
    public int Threads { get; private set; } = 2;
    public int[] Sizes { get; private set; } = { 64, 256, 500 };
    public int Images { get; private set; } = 2000;
    public bool Mallopt { get; private set; }
    public bool SyncLoss { get; private set; }
    public DisposeMode Dispose { get; private set; } = DisposeMode.Scope;
    public string Tag { get; private set; } = "-";

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        int i = 0;
        if (args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal))
            o.Mode = args[i++];
        if (o.Mode is not ("train" or "infer" or "numerics"))
            throw new ArgumentException("mode is train, infer or numerics");
        for (; i < args.Length; i++)
        {
            string Next() => args[++i];
            switch (args[i])
            {
                case "--variant": o.Variant = Variant.Parse(Next()); break;
                case "--batch": o.Batch = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--steps": o.Steps = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--epochs": o.Epochs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": o.Warmup = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--threads": o.Threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--sizes": o.Sizes = Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--images": o.Images = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--mallopt": o.Mallopt = true; break;
                case "--sync-loss": o.SyncLoss = true; break;
                case "--dispose": o.Dispose = Enum.Parse<DisposeMode>(Next(), ignoreCase: true); break;
                case "--tag": o.Tag = Next(); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        return o;
    }
}

internal readonly record struct ProcSample(long MinorFaults, double UserSeconds, double SystemSeconds);

/// <summary>Process-wide counters from /proc (all threads): minor faults, CPU time, resident set and its peak.</summary>
internal static class ProcStats
{
    public static ProcSample Sample()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // fields[0] is field 3 (state)
        const double ticks = 100; // sysconf(_SC_CLK_TCK) on Linux
        return new ProcSample(long.Parse(fields[7], CultureInfo.InvariantCulture),
            long.Parse(fields[11], CultureInfo.InvariantCulture) / ticks, long.Parse(fields[12], CultureInfo.InvariantCulture) / ticks);
    }

    public static double PeakRssMiB() => StatusKiB("VmHWM:") / 1024.0;

    public static double RssMiB() => StatusKiB("VmRSS:") / 1024.0;

    /// <summary>Resets VmHWM to the current RSS (Linux >= 4.0), so that the next peak belongs to one phase.</summary>
    public static void ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static long StatusKiB(string key)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }

        return -1;
    }
}

/// <summary>glibc malloc settings from inside the process.</summary>
internal static class NativeMemory
{
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_MAX = -4;

    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);

    /// <summary>No mmap'd chunks (large blocks come from the heap and are reused) and no trimming of the heap top:
    /// freed activation buffers stay mapped, so the next batch does not fault them in again. Returns mallopt's results
    /// (1 = accepted).</summary>
    public static string ApplyMallopt()
    {
        int mmap = Mallopt(M_MMAP_MAX, 0);
        int trim = Mallopt(M_TRIM_THRESHOLD, int.MaxValue);
        return $"M_MMAP_MAX=0 -> {mmap}, M_TRIM_THRESHOLD={int.MaxValue} -> {trim}";
    }
}
