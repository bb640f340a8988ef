/* parallel.c: what each GPU keeps of the model states under DDP, ZeRO, FSDP */
/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "internal.h"

/*
 * Per-GPU model states (weights, adapters, gradients, optimizer state)
 * and the working set each data-parallel scheme adds, from the frameworks'
 * sources at the versions named; derived, not measured (no multi-GPU
 * machine was lent).  Activations are per GPU already: --batch is per GPU.
 *
 * DDP (PyTorch 2.11 torch/nn/parallel/distributed.py): a full replica, and
 * the reducer's buckets hold a second copy of the gradients
 * (gradient_as_bucket_view=False, the default).
 *
 * DeepSpeed ZeRO (deepspeed 0.16, runtime/zero/config.py defaults and
 * stage_1_and_2.py / stage3.py): with bf16 the engine casts the module,
 * adapters included, to bf16 (2 bytes per trainable parameter) and its
 * optimizer keeps an fp32 master copy and fp32 Adam moments of its
 * partition (12 bytes) and, at the step, the partition's gradients in
 * fp32 (4 bytes).  Stage 1 partitions that optimizer state, stage 2 the
 * gradients too, stage 3 the parameters as well.  Buffers:
 *   reduce_bucket_size 5e8 elements: the gradient bucket (compute dtype),
 *     never larger than the gradients it reduces;
 *   stage3_prefetch_bucket_size 5e7 and stage3_max_live_parameters 1e9:
 *     stage 3 gathers the layer being computed and prefetches up to 5e7
 *     parameters ahead, never more than 1e9 live;
 *   sub_group_size 1e9: stage 3 steps the optimizer one sub-group at a
 *     time, so the fp32 gradient copy is at most that many elements.
 * offload_optimizer cpu moves the optimizer partition (and its fp32
 * gradients) to pinned host memory; with stage 3, offload_param cpu moves
 * the parameter partition too ("ZeRO-Infinity" with nvme: to disk, with
 * pinned swap buffers of buffer_count 5 x buffer_size 1e8 elements).
 *
 * FSDP, as accelerate 1.14.0 launches it (transformer auto-wrap per
 * decoder layer; peft's policy wraps the adapters as units of their own,
 * so frozen weights get no gradient), in either implementation
 * (--fsdp-version; accelerate's default is 1).  Read from pytorch/pytorch
 * torch/distributed/fsdp (stored commits 01caf79e, 010ae4a8, 0257dd1c):
 *   FSDP1 (FullyShardedDataParallel, _flat_param.py, _runtime_utils.py,
 *     _limiter_utils.py): each unit's parameters are one flat parameter,
 *     all-gathered straight into its padded unsharded buffer.
 *     limit_all_gathers (default True) makes the CPU wait on the
 *     _FreeEventQueue once _max_num_inflight_all_gathers = 2 unsharded
 *     buffers await their free, so two layers are unsharded at a time
 *     (the one computed and the next, with or without backward
 *     prefetch).  The flat gradient is reduce-scattered as it is: one
 *     unsharded layer gradient.
 *   FSDP2 (fully_shard, _fsdp_collectives.py, _fsdp_param_group.py):
 *     parameters are DTensors sharded on dim 0; a unit is all-gathered
 *     into one flat output and copied out into per-parameter tensors
 *     (freed after copy-out, and the previous unit's is held until the
 *     next copy-out), one unit prefetched in backward: two layers again.
 *     foreach_reduce copies the unsharded gradients into a reduce-scatter
 *     input before it frees them: two layer gradients.
 *   Both keep the root unit (what is outside the decoder layers: the
 *   embeddings, the final norm, the head) unsharded from forward to the
 *   end of backward: FSDP1's _post_forward_reshard never frees the
 *   root's flat parameter, FSDP2 sets the root's reshard_after_forward
 *   to False.
 * FULL_SHARD keeps 1/N of every unit; SHARD_GRAD_OP (FSDP2:
 * reshard_after_forward=False) does not reshard after forward, so at the
 * start of backward every layer is unsharded.  HYBRID_SHARD shards within
 * a node and replicates across nodes.  CPUOffload(offload_params=True)
 * keeps the sharded parameters, gradients and optimizer state in host
 * memory; the device holds the gathered layers.  FSDP + QLoRA shards the
 * NF4 base as stored (bnb_4bit_quant_storage in the compute dtype makes
 * it flattenable).  Mixed precision (train.c): accelerate's
 * MixedPrecision(param_dtype = reduce_dtype = the amp type) gathers the
 * units in that type while the trainable shards are upcast to fp32.
 */
/*
 * --ds-config hf-auto: a config file whose bucket keys say "auto", as the
 * ZeRO examples of transformers' DeepSpeed documentation do; the Trainer
 * (transformers integrations/deepspeed.py trainer_config_finalize, stored
 * commit 02348331) and accelerate (Accelerator._prepare_deepspeed, 1.14.0)
 * fill them from the model's hidden size H: reduce_bucket_size = H^2,
 * stage3_prefetch_bucket_size = 0.9 H^2 and
 * stage3_param_persistence_threshold = 10 H.  The default, defaults, is
 * what memplan's own command runs: accelerate launch --use_deepspeed
 * without a config file writes none of these keys, so DeepSpeed's
 * defaults below apply.  (The persistence threshold keeps parameters
 * under it unsharded, norms and biases: not modelled, as with the
 * default 1e5.)
 */
static const char *const ds_configs[] = { "defaults", "hf-auto" };

const char *
mp_ds_config_choice(size_t i)
{
	return i < sizeof(ds_configs) / sizeof(ds_configs[0]) ?
	    ds_configs[i] : NULL;
}

#define DS_REDUCE_BUCKET	500000000ULL
#define DS_PREFETCH		50000000ULL
#define DS_MAX_LIVE		1000000000ULL
#define DS_SUB_GROUP		1000000000ULL
#define DS_NVME_BUFFERS		(5ULL * 100000000ULL)
/*
 * offload_optimizer nvme: the optimizer swapper (runtime/swap_tensor/
 * optimizer_utils.py, OptimizerSwapper.__init__) pins buffer_count
 * buffers (DeepSpeedZeroOffloadOptimizerConfig.buffer_count, default 4:
 * parameter, gradient and Adam's two moments) of the largest sub-group's
 * element count, aligned up to 1024 elements (AIO_ALIGNED_BYTES x
 * thread count / 4 bytes), in fp32.
 */
#define DS_OPT_SWAP_BUFFERS	4ULL
#define DS_AIO_ALIGN		1024ULL

static uint64_t
div_up(uint64_t a, uint64_t b)
{
	return b <= 1 ? a : a / b + (a % b != 0);
}

bool
mp_parallel_is_zero(enum mp_parallel p)
{
	return p == MP_PAR_ZERO1 || p == MP_PAR_ZERO2 || p == MP_PAR_ZERO3;
}

bool
mp_parallel_is_fsdp(enum mp_parallel p)
{
	return p == MP_PAR_FSDP || p == MP_PAR_FSDP_SGO ||
	    p == MP_PAR_FSDP_HYBRID;
}

void
mp_parallel_states(const struct mp_states_in *in, struct mp_states *out)
{
	uint64_t	 n = in->ranks ? in->ranks : 1, P = in->trainable;
	uint64_t	 frozen = in->weights, cb = in->compute_bytes;
	bool		 off = in->offload != MP_OFFLOAD_NONE;

	memset(out, 0, sizeof(*out));
	out->weights = in->weights;
	out->adapters = in->adapters;
	out->grads = in->grads;
	out->optim = in->optim;
	out->optim_temp = in->optim_temp;
	switch (in->par) {
	case MP_PAR_NONE:
		break;
	case MP_PAR_DDP:
		out->buffers = in->grads;	/* the reducer's bucket copy */
		break;
	case MP_PAR_ZERO1:
	case MP_PAR_ZERO2:
	case MP_PAR_ZERO3:
		/* bf16 trainable copies; fp32 master + moments, fp32 grads */
		if (!in->full) {
			out->adapters = mp_muls(cb, P);
		} else
			frozen = 0;
		out->grads = mp_muls(cb, P);
		out->optim = div_up(mp_muls(12, P), n);
		out->optim_temp = div_up(mp_muls(4, P), n);
		out->buffers = mp_muls(cb, mp_umin(in->ds_hf_auto ?
		    mp_muls(in->hidden, in->hidden) : DS_REDUCE_BUCKET, P));
		if (in->par != MP_PAR_ZERO1)
			out->grads = div_up(out->grads, n);
		if (in->par == MP_PAR_ZERO3) {
			/* a module is fetched whole even past the cap: a
			 * layer above max_live is gathered alone */
			uint64_t pre = in->ds_hf_auto ? mp_muls(in->hidden,
			    in->hidden) * 9 / 10 : DS_PREFETCH;
			uint64_t live = in->layer_params > DS_MAX_LIVE ?
			    in->layer_params : mp_umin(DS_MAX_LIVE, mp_adds(
			    in->layer_params, pre));

			out->weights = div_up(in->full ? mp_muls(cb, P) :
			    frozen, n);
			out->adapters = div_up(out->adapters, n);
			out->optim_temp = mp_muls(4, mp_umin(DS_SUB_GROUP,
			    div_up(P, n)));
			/* the gathered layer and the prefetched parameters,
			 * in the stored bytes of the layer */
			out->gathered = in->layer_params == 0 ? 0 :
			    mp_muls(in->layer_bytes / in->layer_params +
			    (in->layer_bytes % in->layer_params != 0), live);
		} else if (in->full)
			out->weights = mp_muls(cb, P);
		if (off) {
			/*
			 * The optimizer partition and its fp32 gradients:
			 * reduced gradients are copied into the pinned fp32
			 * partition on the host as each bucket completes,
			 * so only the bucket stays on the device.
			 */
			out->host = mp_adds(out->optim, out->optim_temp);
			out->optim = out->optim_temp = 0;
			out->grads = 0;
			if (in->par == MP_PAR_ZERO3) {
				out->host = mp_adds(out->host,
				    mp_adds(out->weights, out->adapters));
				out->weights = out->adapters = 0;
			}
			if (in->offload == MP_OFFLOAD_NVME) {
				uint64_t sub = div_up(mp_umin(DS_SUB_GROUP,
				    div_up(P, n)), DS_AIO_ALIGN) * DS_AIO_ALIGN;

				out->disk = out->host;
				/* the optimizer swapper's pinned fp32 buffers */
				out->host = mp_muls(4 * DS_OPT_SWAP_BUFFERS, sub);
				/* offload_param nvme (stage 3): the parameter
				 * swapper's buffer_count x buffer_size */
				if (in->par == MP_PAR_ZERO3)
					out->host = mp_adds(out->host,
					    mp_muls(cb, DS_NVME_BUFFERS));
			}
		}
		break;
	case MP_PAR_FSDP:
	case MP_PAR_FSDP_SGO:
	case MP_PAR_FSDP_HYBRID:
		if (in->par == MP_PAR_FSDP_HYBRID)
			n = in->per_node ? in->per_node : 1;
		out->weights = div_up(in->weights, n);
		out->adapters = div_up(in->adapters, n);
		out->grads = div_up(in->grads, n);
		out->optim = div_up(in->optim, n);
		out->optim_temp = div_up(in->optim_temp, n);
		/* the layer computed and the next, unsharded; the layer's
		 * unsharded gradient (FSDP2: and its reduce-scatter input);
		 * the root unit, unsharded through forward and backward */
		out->gathered = mp_adds(mp_adds(mp_muls(2, in->layer_bytes),
		    mp_muls(in->fsdp_version == 2 ? 2 : 1, in->layer_grad)),
		    in->root_bytes);
		out->root = in->root_bytes;
		if (in->par == MP_PAR_FSDP_SGO)
			/* every layer stays unsharded until backward */
			out->gathered = mp_adds(in->all_bytes != 0 ?
			    in->all_bytes : in->weights, in->adapters);
		if (off) {
			out->host = mp_adds(mp_adds(out->weights, out->adapters),
			    mp_adds(mp_adds(out->grads, out->optim),
			    out->optim_temp));
			out->weights = out->adapters = out->grads = 0;
			out->optim = out->optim_temp = 0;
		}
		break;
	}
}

/*
 * The launcher configuration that runs a scheme, for notes and plans:
 * accelerate 1.14.0's launch flags (commands/launch.py).  FSDP2 names no
 * sharding strategy: --fsdp_reshard_after_forward false is SHARD_GRAD_OP,
 * and hybrid sharding is a 2-D mesh of its parallelism config (replicas
 * across the nodes, shards within one).
 */
void
mp_parallel_command(const struct mp_scenario *sc, char *buf, size_t len)
{
	enum mp_parallel par = sc->parallel;
	enum mp_offload	 off = sc->offload;
	uint64_t	 gpus = sc->gpus ? sc->gpus : 1;
	uint64_t	 nodes = sc->nodes ? sc->nodes : 1;
	const char	*o = off == MP_OFFLOAD_CPU ? "cpu" :
	    off == MP_OFFLOAD_NVME ? "nvme" : "none";
	int		 n;

	if (par == MP_PAR_NONE && gpus * nodes > 1)
		par = MP_PAR_DDP;
	switch (par) {
	case MP_PAR_ZERO1:
	case MP_PAR_ZERO2:
	case MP_PAR_ZERO3:
		if (sc->ds_hf_auto) {
			/* the stage and offload are in the file
			 * (mp_parallel_config) */
			snprintf(buf, len, "accelerate launch --num_processes "
			    "%llu --num_machines %llu --use_deepspeed "
			    "--deepspeed_config_file ds_config.json",
			    (unsigned long long)(gpus * nodes),
			    (unsigned long long)nodes);
			break;
		}
		snprintf(buf, len, "accelerate launch --num_processes %llu "
		    "--num_machines %llu --use_deepspeed --zero_stage %d "
		    "--offload_optimizer_device %s%s%s",
		    (unsigned long long)(gpus * nodes),
		    (unsigned long long)nodes, par == MP_PAR_ZERO1 ? 1 :
		    par == MP_PAR_ZERO2 ? 2 : 3, o, par == MP_PAR_ZERO3 ?
		    " --offload_param_device " : "", par == MP_PAR_ZERO3 ? o :
		    "");
		break;
	case MP_PAR_FSDP:
	case MP_PAR_FSDP_SGO:
	case MP_PAR_FSDP_HYBRID:
		n = snprintf(buf, len, "accelerate launch --num_processes %llu "
		    "--num_machines %llu --use_fsdp ",
		    (unsigned long long)(gpus * nodes),
		    (unsigned long long)nodes);
		if (n < 0 || (size_t)n >= len)
			break;
		if (sc->fsdp_version == 2) {
			char	 mesh[128] = "";

			if (par == MP_PAR_FSDP_HYBRID)
				snprintf(mesh, sizeof(mesh), " "
				    "--use_parallelism_config "
				    "--parallelism_config_dp_replicate_size %llu "
				    "--parallelism_config_dp_shard_size %llu",
				    (unsigned long long)nodes,
				    (unsigned long long)gpus);
			snprintf(buf + n, len - (size_t)n, "--fsdp_version 2 "
			    "--fsdp_reshard_after_forward %s%s "
			    "--fsdp_auto_wrap_policy TRANSFORMER_BASED_WRAP "
			    "--fsdp_offload_params %s", par == MP_PAR_FSDP_SGO ?
			    "false" : "true", mesh, off == MP_OFFLOAD_CPU ?
			    "true" : "false");
		} else
			snprintf(buf + n, len - (size_t)n,
			    "--fsdp_sharding_strategy %s "
			    "--fsdp_auto_wrap_policy TRANSFORMER_BASED_WRAP "
			    "--fsdp_offload_params %s", par == MP_PAR_FSDP ?
			    "FULL_SHARD" : par == MP_PAR_FSDP_SGO ?
			    "SHARD_GRAD_OP" : "HYBRID_SHARD", off ==
			    MP_OFFLOAD_CPU ? "true" : "false");
		break;
	case MP_PAR_DDP:
		snprintf(buf, len, "accelerate launch --num_processes %llu "
		    "--num_machines %llu --multi_gpu",
		    (unsigned long long)(gpus * nodes),
		    (unsigned long long)nodes);
		break;
	default:
		snprintf(buf, len, "python train.py");
		break;
	}
}

/* HF's ZeRO config file with "auto" buckets (--ds-config hf-auto); false
 * and "" when the scenario's launcher needs none. */
bool
mp_parallel_config(const struct mp_scenario *sc, char *buf, size_t len)
{
	enum mp_parallel par = sc->parallel;
	const char	*o = sc->offload == MP_OFFLOAD_CPU ? "cpu" :
	    sc->offload == MP_OFFLOAD_NVME ? "nvme" : "none";
	bool		 z3 = par == MP_PAR_ZERO3;

	if (len > 0)
		buf[0] = '\0';
	if (!sc->ds_hf_auto || !mp_parallel_is_zero(par))
		return false;
	snprintf(buf, len, "{\"zero_optimization\": {\"stage\": %d, "
	    "\"offload_optimizer\": {\"device\": \"%s\"}%s%s%s, "
	    "\"reduce_bucket_size\": \"auto\"%s}, "
	    "\"train_micro_batch_size_per_gpu\": \"auto\", "
	    "\"bf16\": {\"enabled\": \"auto\"}}", par == MP_PAR_ZERO1 ? 1 :
	    par == MP_PAR_ZERO2 ? 2 : 3, o, z3 ? ", \"offload_param\": "
	    "{\"device\": \"" : "", z3 ? o : "", z3 ? "\"}" : "", z3 ?
	    ", \"stage3_prefetch_bucket_size\": \"auto\", "
	    "\"stage3_param_persistence_threshold\": \"auto\"" : "");
	return true;
}
