using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Controller;

/// <summary>
/// Adam (Kingma &amp; Ba) over a fixed parameter list, written out so that its whole state (step count, first and second
/// moments) and the parameters themselves save to and load from a stream exactly: a resumed search then continues with
/// bit-identical controller updates.
/// </summary>
internal sealed class SerializableAdam : IDisposable
{
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly Tensor[] _m;
    private readonly Tensor[] _v;
    private readonly double _learningRate, _beta1, _beta2, _epsilon;
    private long _step;

    public SerializableAdam(IEnumerable<Parameter> parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        _parameters = parameters.ToArray();
        _m = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        _v = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        _learningRate = learningRate; _beta1 = beta1; _beta2 = beta2; _epsilon = epsilon;
    }

    public void ZeroGrad()
    {
        foreach (Parameter p in _parameters) p.grad?.zero_();
    }

    public void Step()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _step++;
        double correction1 = 1 - Math.Pow(_beta1, _step), correction2 = 1 - Math.Pow(_beta2, _step);
        for (int i = 0; i < _parameters.Count; i++)
        {
            Tensor? g = _parameters[i].grad;
            if (g is null) continue;
            _m[i].mul_(_beta1).add_(g, alpha: 1 - _beta1);
            _v[i].mul_(_beta2).addcmul_(g, g, value: 1 - _beta2);
            Tensor denominator = (_v[i] / correction2).sqrt_().add_(_epsilon);
            _parameters[i].addcdiv_(_m[i], denominator, value: -_learningRate / correction1);
        }
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(_step);
        writer.Write(_parameters.Count);
        for (int i = 0; i < _parameters.Count; i++)
        {
            WriteTensor(writer, _parameters[i]);
            WriteTensor(writer, _m[i]);
            WriteTensor(writer, _v[i]);
        }
    }

    public void Read(BinaryReader reader)
    {
        long step = reader.ReadInt64();
        int count = reader.ReadInt32();
        if (step < 0 || count != _parameters.Count)
            throw new InvalidDataException($"The saved controller has {count} parameter tensors; this controller has {_parameters.Count}.");
        using var noGrad = no_grad();
        for (int i = 0; i < count; i++)
        {
            ReadTensor(reader, _parameters[i]);
            ReadTensor(reader, _m[i]);
            ReadTensor(reader, _v[i]);
        }
        _step = step;
    }

    public void Dispose()
    {
        foreach (Tensor t in _m.Concat(_v)) t.Dispose();
    }

    private static void WriteTensor(BinaryWriter writer, Tensor t)
    {
        float[] values = t.detach().cpu().data<float>().ToArray();
        writer.Write(values.Length);
        foreach (float v in values) writer.Write(v);
    }

    private static void ReadTensor(BinaryReader reader, Tensor target)
    {
        int length = reader.ReadInt32();
        if (length != target.numel())
            throw new InvalidDataException($"A saved controller tensor has {length} values; expected {target.numel()}.");
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = reader.ReadSingle();
        using Tensor source = tensor(values).view(target.shape);
        target.copy_(source);
    }
}
