using Sdpo.Engine.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace Sdpo.Engine.Tests.Lora;

/// <summary>
/// A small stand-in for the real decoder: AdaptableLinear layers at Hugging Face paths
/// (model.layers.{i}.self_attn.{q,k,v,o}_proj, model.layers.{i}.mlp.{gate,up,down}_proj, lm_head) joined by a
/// cheap nonlinear mix, with seeded random weights. Not a transformer; only the layer tree matters here.
/// </summary>
internal sealed class TinyAdaptableModel : nn.Module<Tensor, Tensor>
{
    public const int Hidden = 16;
    private readonly Decoder _model;
    private readonly AdaptableLinear _lmHead;

    public TinyAdaptableModel(int layers = 2, int intermediate = 24, int keyValue = 8, ScalarType dtype = ScalarType.Float32, long seed = 1)
        : base(nameof(TinyAdaptableModel))
    {
        _model = new Decoder(layers, intermediate, keyValue, dtype);
        _lmHead = new AdaptableLinear(Hidden, 32, hasBias: false, dtype);
        register_module("model", _model);
        register_module("lm_head", _lmHead);

        using var generator = new Generator((ulong)seed, CPU);
        using var noGrad = no_grad();
        foreach (var (_, parameter) in named_parameters())
        {
            using var values = rand(parameter.shape, ScalarType.Float32, generator: generator).sub_(0.5).mul_(0.5);
            parameter.copy_(values);
        }
    }

    public override Tensor forward(Tensor input) => _lmHead.forward(_model.forward(input));

    public Tensor Input(long seed = 7)
    {
        using var generator = new Generator((ulong)seed, CPU);
        return randn([2, 3, Hidden], ScalarType.Float32, generator: generator).to(_lmHead.Weight.dtype);
    }

    private sealed class Decoder : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor>[] _blocks;

        public Decoder(int layers, int intermediate, int keyValue, ScalarType dtype) : base(nameof(Decoder))
        {
            _blocks = Enumerable.Range(0, layers).Select(_ => (nn.Module<Tensor, Tensor>)new Block(intermediate, keyValue, dtype)).ToArray();
            register_module("layers", nn.ModuleList(_blocks));
        }

        public override Tensor forward(Tensor input) => _blocks.Aggregate(input, (hidden, block) => block.forward(hidden));
    }

    private sealed class Block : nn.Module<Tensor, Tensor>
    {
        // Held in locals, not fields: register_module reflects over Module-typed fields and would add each
        // layer a second time under its field name.
        private readonly Func<Tensor, Tensor> _q, _k, _v, _o, _gate, _up, _down;
        private readonly long _repeat;

        public Block(int intermediate, int keyValue, ScalarType dtype) : base(nameof(Block))
        {
            var q = new AdaptableLinear(Hidden, Hidden, hasBias: true, dtype);
            var k = new AdaptableLinear(Hidden, keyValue, hasBias: true, dtype);
            var v = new AdaptableLinear(Hidden, keyValue, hasBias: true, dtype);
            var o = new AdaptableLinear(Hidden, Hidden, hasBias: false, dtype);
            var gate = new AdaptableLinear(Hidden, intermediate, hasBias: false, dtype);
            var up = new AdaptableLinear(Hidden, intermediate, hasBias: false, dtype);
            var down = new AdaptableLinear(intermediate, Hidden, hasBias: false, dtype);
            (_q, _k, _v, _o, _gate, _up, _down) = (q.forward, k.forward, v.forward, o.forward, gate.forward, up.forward, down.forward);
            _repeat = Hidden / keyValue;
            var attention = new Container("self_attn", ("q_proj", q), ("k_proj", k), ("v_proj", v), ("o_proj", o));
            var mlp = new Container("mlp", ("gate_proj", gate), ("up_proj", up), ("down_proj", down));
            register_module("self_attn", attention);
            register_module("mlp", mlp);
        }

        public override Tensor forward(Tensor hidden)
        {
            var keys = _k(hidden).repeat_interleave(_repeat, -1);
            var values = _v(hidden).repeat_interleave(_repeat, -1);
            var mixed = _q(hidden).mul(keys.sigmoid()).add(values);
            hidden = hidden.add(_o(mixed));
            return hidden.add(_down(nn.functional.silu(_gate(hidden)).mul(_up(hidden))));
        }
    }

    private sealed class Container : nn.Module
    {
        public Container(string name, params (string Name, nn.Module Module)[] children) : base(name)
        {
            foreach (var (childName, child) in children) register_module(childName, child);
        }
    }
}
