using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>
/// An <see cref="ImageStore"/> on a trainer's device, with the per-channel statistics the trainer normalises by. On the
/// CPU the tensor is the store's own array (pinned, not copied); on a GPU it is one copy of it, bytes when the store
/// holds bytes. Batches are converted to float32 and normalised only when they are cut (<see cref="Normalize"/>).
/// </summary>
internal sealed class DeviceImageStore : IDisposable
{
    private readonly Tensor? _decode;

    public DeviceImageStore(ImageStore store, float[] mean, float[] std, Device device)
    {
        ArgumentNullException.ThrowIfNull(store);
        using var scope = NewDisposeScope();
        long[] shape = { store.Count, store.Channels, store.Height, store.Width };
        Tensor shared = store.Bytes is not null ? from_array(store.Bytes) : from_array(store.Floats!);
        Values = shared.view(shape).to(device).MoveToOuterDisposeScope();
        _decode = store.Decode is null ? null : tensor(store.Decode, device: device).MoveToOuterDisposeScope();
        Mean = tensor(mean).view(1, store.Channels, 1, 1).to(device).MoveToOuterDisposeScope();
        Std = tensor(std).view(1, store.Channels, 1, 1).to(device).MoveToOuterDisposeScope();
    }

    /// <summary>[N, C, H, W] uint8 or float32: the store's values as they are kept.</summary>
    public Tensor Values { get; }

    public Tensor Mean { get; }

    public Tensor Std { get; }

    /// <summary>
    /// Images cut from <see cref="Values"/> as the network takes them: float32 <c>(value - mean) / std</c>. A byte's
    /// value is looked up in the store's decoding (the very floats the data held), so a batch is bit for bit what
    /// normalising the float values gives. Never writes into <paramref name="raw"/>.
    /// </summary>
    public Tensor Normalize(Tensor raw)
    {
        Tensor values = _decode is null ? raw : _decode.index_select(0, raw.flatten().to(ScalarType.Int64)).view(raw.shape);
        return (values - Mean).div_(Std);
    }

    public void Dispose()
    {
        _decode?.Dispose();
        Values.Dispose();
        Mean.Dispose();
        Std.Dispose();
    }
}

/// <summary>
/// A data split as a trainer reads it: which images of a <see cref="DeviceImageStore"/> (shared by the splits of one
/// store, not owned) are the split's, in order, and their labels [N] (int64), on the training device. Batches are cut
/// with index_select or narrow and normalised per batch.
/// </summary>
internal sealed class ImageTensors : IDisposable
{
    private readonly DeviceImageStore _store;
    private readonly Tensor? _rows;

    public ImageTensors(ImageData data, DeviceImageStore store, Device device, string splitName)
    {
        ArgumentNullException.ThrowIfNull(data, splitName);
        _store = store;
        Count = data.Count;
        MaxLabel = data.Labels.Max();
        Name = splitName;
        _rows = data.Rows is null ? null : tensor(data.Rows.Select(r => (long)r).ToArray(), device: device);
        Labels = tensor(data.Labels.Select(l => (long)l).ToArray(), device: device);
    }

    public string Name { get; }

    public int Count { get; }

    public int MaxLabel { get; }

    public Tensor Labels { get; }

    /// <summary>The normalised images at <paramref name="positions"/> (int64 positions in this split).</summary>
    public Tensor Gather(Tensor positions) =>
        _store.Normalize(_store.Values.index_select(0, _rows is null ? positions : _rows.index_select(0, positions)));

    /// <summary>The normalised images at positions <paramref name="start"/> .. start + size - 1.</summary>
    public Tensor Slice(long start, long size) => _store.Normalize(_rows is null
        ? _store.Values.narrow(0, start, size)
        : _store.Values.index_select(0, _rows.narrow(0, start, size)));

    public void Dispose()
    {
        _rows?.Dispose();
        Labels.Dispose();
    }
}
