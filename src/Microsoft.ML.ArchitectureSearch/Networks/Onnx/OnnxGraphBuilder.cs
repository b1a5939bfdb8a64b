using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Networks.Onnx;

/// <summary>
/// Typed ONNX operators over an <see cref="IOnnxGraph"/>, each with the semantics of the TorchSharp call it stands for
/// (noted per method). Only operators of the default domain at opset <see cref="MinimumOpset"/> to 12 are written
/// (ML.NET's converter writes opset 12; ONNX Runtime runs them all). Each weight tensor becomes one initializer, even
/// when the network is written twice (flip test-time augmentation).
/// </summary>
internal sealed class OnnxGraphBuilder
{
    /// <summary>Pad takes its pads as an input from opset 11 on; Slice steps and pooling's ceil_mode need 10.</summary>
    public const int MinimumOpset = 11;

    // ONNX TensorProto.DataType codes.
    private const long UInt32Type = 12;

    private readonly IOnnxGraph _graph;
    private readonly Dictionary<Tensor, string> _weights = new(ReferenceEqualityComparer.Instance);

    public OnnxGraphBuilder(IOnnxGraph graph) => _graph = graph;

    /// <summary>A float32 initializer holding <paramref name="parameter"/>'s values (written once per tensor).</summary>
    public string Weight(Tensor parameter, string name)
    {
        if (_weights.TryGetValue(parameter, out string? existing))
            return existing;
        float[] values;
        using (NewDisposeScope())
            values = parameter.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        string variable = _graph.AddInitializer(name, values, parameter.shape);
        _weights.Add(parameter, variable);
        return variable;
    }

    /// <summary>A float32 constant of shape [1], which broadcasts as a scalar (ML.NET's context cannot write rank 0).</summary>
    public string Scalar(float value, string name) => _graph.AddInitializer(name, new[] { value }, new[] { 1L });

    /// <summary>An int64 vector constant.</summary>
    public string Int64s(long[] values, string name) => _graph.AddInitializer(name, values, new[] { (long)values.Length });

    /// <summary>Any single-output node.</summary>
    public string Node(string opType, string name, string[] inputs, params OnnxAttribute[] attributes) =>
        _graph.AddNode(opType, inputs, name, attributes);

    /// <summary>nn.functional.conv2d with symmetric zero padding; <paramref name="groups"/> &gt; 1 for a grouped (depthwise) one.</summary>
    public string Conv(string x, Tensor weight, Tensor? bias, long[] stride, long[] padding, string name, long groups = 1)
    {
        var inputs = new List<string> { x, Weight(weight, name + ".weight") };
        if (bias is not null)
            inputs.Add(Weight(bias, name + ".bias"));
        var attributes = new List<OnnxAttribute>
        {
            new("kernel_shape", new[] { weight.shape[2], weight.shape[3] }),
            new("strides", stride),
            new("pads", new[] { padding[0], padding[1], padding[0], padding[1] }),
        };
        if (groups != 1)
            attributes.Add(new OnnxAttribute("group", groups));
        return Node("Conv", name, inputs.ToArray(), attributes.ToArray());
    }

    /// <summary>BatchNorm2d in eval mode (running statistics).</summary>
    public string BatchNormalization(string x, BatchNorm2d norm, string name) => Node("BatchNormalization", name,
        new[]
        {
            x, Weight(norm.weight!, name + ".weight"), Weight(norm.bias!, name + ".bias"),
            Weight(norm.running_mean!, name + ".running_mean"), Weight(norm.running_var!, name + ".running_var"),
        },
        new OnnxAttribute("epsilon", (float)norm.eps));

    /// <summary>
    /// max_pool2d / avg_pool2d, ceil_mode as given, with <paramref name="padding"/> pixels on every side (none by
    /// default). Average pooling divides by the cells inside the map: as PyTorch does without padding, and as
    /// avg_pool2d with count_include_pad = false does with it (ONNX's count_include_pad = 0, written out).
    /// </summary>
    public string Pool(string opType, string x, long kernelHeight, long kernelWidth, long strideHeight, long strideWidth, bool ceilMode, string name, long padding = 0)
    {
        var attributes = new List<OnnxAttribute>
        {
            new("kernel_shape", new[] { kernelHeight, kernelWidth }),
            new("strides", new[] { strideHeight, strideWidth }),
            new("ceil_mode", ceilMode ? 1L : 0L),
        };
        if (padding != 0)
        {
            attributes.Add(new OnnxAttribute("pads", new[] { padding, padding, padding, padding }));
            if (opType == "AveragePool")
                attributes.Add(new OnnxAttribute("count_include_pad", 0L));
        }

        return Node(opType, name, new[] { x }, attributes.ToArray());
    }

    /// <summary>Zero padding of an NCHW map: <paramref name="bottom"/> rows below, <paramref name="right"/> columns on the right.</summary>
    public string PadBottomRight(string x, long bottom, long right, string name) =>
        Node("Pad", name, new[] { x, Int64s(new[] { 0L, 0, 0, 0, 0, 0, bottom, right }, name + ".pads") },
            new OnnxAttribute("mode", "constant"));

    /// <summary>x[start:end] along <paramref name="axis"/> (step -1 with start -1 and end long.MinValue reverses the axis).</summary>
    public string Slice(string x, long start, long end, long axis, long step, string name) => Node("Slice", name, new[]
    {
        x, Int64s(new[] { start }, name + ".starts"), Int64s(new[] { end }, name + ".ends"),
        Int64s(new[] { axis }, name + ".axes"), Int64s(new[] { step }, name + ".steps"),
    });

    /// <summary>amax over <paramref name="axis"/>, keeping it.</summary>
    public string ReduceMax(string x, long axis, string name) => Node("ReduceMax", name, new[] { x },
        new OnnxAttribute("axes", new[] { axis }), new OnnxAttribute("keepdims", 1L));

    /// <summary>torch.cat.</summary>
    public string Concat(IReadOnlyList<string> xs, long axis, string name) =>
        Node("Concat", name, xs.ToArray(), new OnnxAttribute("axis", axis));

    /// <summary>nn.functional.linear on [N, in]: x W^T + b.</summary>
    public string Linear(string x, Linear linear, string name) => Linear(x, linear.weight!, linear.bias!, name);

    /// <summary>nn.functional.linear on [N, in] without a bias: x W^T (Gemm's C input is optional from opset 11).</summary>
    public string Linear(string x, Tensor weight, string name) => Node("Gemm", name,
        new[] { x, Weight(weight, name + ".weight") },
        new OnnxAttribute("transB", 1L));

    /// <summary>nn.functional.linear on [N, in] with a weight [out, in] and bias [out] that are not a Linear module's.</summary>
    public string Linear(string x, Tensor weight, Tensor bias, string name) => Node("Gemm", name,
        new[] { x, Weight(weight, name + ".weight"), Weight(bias, name + ".bias") },
        new OnnxAttribute("transB", 1L));

    /// <summary>Embedding lookup: rows of <paramref name="table"/> [V, E] at the int64 ids <paramref name="ids"/>.</summary>
    public string Gather(Tensor table, string ids, string name) => Node("Gather", name, new[] { Weight(table, name + ".weight"), ids });

    /// <summary>log_softmax over dimension 1 of an [N, K] tensor.</summary>
    public string LogSoftmax(string x, string name) => Node("LogSoftmax", name, new[] { x }, new OnnxAttribute("axis", 1L));

    /// <summary>Element-wise binary operator (Add, Sub, Mul, Div) with numpy broadcasting.</summary>
    public string Binary(string opType, string a, string b, string name) => Node(opType, name, new[] { a, b });

    /// <summary>One-input operator without attributes (Relu, Erf, Flatten's default, GlobalAveragePool, GlobalMaxPool).</summary>
    public string Unary(string opType, string x, string name) => Node(opType, name, new[] { x });

    /// <summary>softmax over dimension 1 of an [N, K] tensor.</summary>
    public string Softmax(string x, string name) => Node("Softmax", name, new[] { x }, new OnnxAttribute("axis", 1L));

    /// <summary>The first index of the largest value along dimension 1, as [N, 1] int64.</summary>
    public string ArgMax(string x, string name) => Node("ArgMax", name, new[] { x },
        new OnnxAttribute("axis", 1L), new OnnxAttribute("keepdims", 1L));

    /// <summary>Cast to uint32 (ML.NET's key type).</summary>
    public string CastToUInt32(string x, string name) => Node("Cast", name, new[] { x }, new OnnxAttribute("to", UInt32Type));

    /// <summary>Reshape to <paramref name="shape"/> (-1 for the batch).</summary>
    public string Reshape(string x, long[] shape, string name) => Node("Reshape", name, new[] { x, Int64s(shape, name + ".shape") });
}
