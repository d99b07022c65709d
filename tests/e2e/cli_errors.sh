# Bad command lines and bad files: exit status 2 (usage) or 1 (runtime) and one clear line.
source "$(dirname "$0")/lib.sh"
expect_exit 2 "unknown-flag|--unknown-flag" -- "$POOLNET" train --unknown-flag --out x
expect_exit 2 "--epochs" -- "$POOLNET" train "${SMALL[@]}" --epochs -1 --out x
expect_exit 2 "--batch" -- "$POOLNET" train "${SMALL[@]}" --batch 0 --out x
expect_exit 2 "^poolnet: error: --downsample: .*filter.*9" -- "$POOLNET" train "${SMALL[@]}" --downsample blur_pool:filter=9 --out x
expect_exit 2 "^poolnet: error: --downsample: .*stride.*0" -- "$POOLNET" train "${SMALL[@]}" --downsample max_pool:stride=0 --out x
expect_exit 2 "unknown.*valid: .*max_pool" -- "$POOLNET" train "${SMALL[@]}" --downsample maxpool --out x
expect_exit 2 "--max-shift" -- "$POOLNET" ablate "${SMALL[@]}" --max-shift 40 --strategies max_pool --out study
expect_exit 2 "--checkpoint" -- "$POOLNET" eval --checkpoint missing.safetensors
expect_exit 2 "--config" -- "$POOLNET" train --config missing.toml --out x
expect_exit 2 "--shard" -- "$POOLNET" ablate "${SMALL[@]}" --shard 3/2 --out study
expect_exit 2 "--input" -- "$POOLNET" inspect --input 1,28
expect_exit 2 "--out" -- "$POOLNET" train "${SMALL[@]}"
printf 'epochs = "three"\n' > bad_type.toml
expect_exit 2 "epochs" -- "$POOLNET" train --config bad_type.toml --out x
printf 'epoch = 3\n' > unknown_key.toml
expect_exit 2 "unknown_key.toml.*'epoch'.*valid" -- "$POOLNET" train --config unknown_key.toml --out x
printf 'epochs = [\n' > broken.toml
expect_exit 2 "broken.toml: line" -- "$POOLNET" train --config broken.toml --out x
expect_exit 1 "not found|missing|No such" -- "$POOLNET" train --dataset cifar10 --data-dir "$WORK/nowhere" --out x
printf 'not a checkpoint' > junk.safetensors
expect_exit 1 "junk.safetensors" -- "$POOLNET" eval --checkpoint junk.safetensors
# An unknown convolution kernel lists the valid ones; a forced kernel that cannot run a layer names both.
expect_exit 2 "^poolnet: error: conv2d kernel: unknown 'winograd8'.*winograd, depthwise, winograd4" -- "$POOLNET" bench --conv-kernel winograd8 --models lenet --threads 1
expect_exit 2 "kernel 'winograd4' cannot run this shape: needs a 3x3 kernel.*got kernel 5x5" -- "$POOLNET" bench --conv-kernel winograd4 --models lenet --strategies max_pool --threads 1 --workloads infer --repetitions 1
# An input too small for the model.
expect_exit 2 "does not fit" -- "$POOLNET" inspect --model lenet --input 1,8,8
# More bad values, each naming its flag.
expect_exit 2 "--bogus" -- "$POOLNET" ablate --bogus --out study
expect_exit 2 "--frobnicate" -- "$POOLNET" inspect --model lenet --input 1,28,28 --frobnicate 3
expect_exit 2 "--epochs.*-3" -- "$POOLNET" ablate "${SMALL[@]}" --epochs -3 --strategies max_pool --out study
expect_exit 2 "--batch.*-4" -- "$POOLNET" train "${SMALL[@]}" --batch -4 --out x
expect_exit 2 "--seeds.*0" -- "$POOLNET" ablate "${SMALL[@]}" --seeds 0 --strategies max_pool --out study
expect_exit 2 "^poolnet: error: --strategies: .*stride" -- "$POOLNET" ablate "${SMALL[@]}" --strategies max_pool,avg_pool:stride=0 --out study
expect_exit 2 "^poolnet: error: --strategies: .*filter" -- "$POOLNET" ablate "${SMALL[@]}" --strategies blur_pool:filter=9 --out study
expect_exit 2 "^poolnet: error: --downsample: .*given twice" -- "$POOLNET" train "${SMALL[@]}" --downsample max_pool:kernel=3,kernel=4 --out x
expect_exit 2 "^poolnet: error: --downsample: .*p must be" -- "$POOLNET" train "${SMALL[@]}" --downsample lp_pool:p=0 --out x
expect_exit 2 "--max-shift" -- "$POOLNET" ablate "${SMALL[@]}" --max-shift 33 --strategies max_pool --out study
expect_exit 2 "--lr.*-1" -- "$POOLNET" train "${SMALL[@]}" --lr -1 --out x
expect_exit 2 "--optimizer.*rmsprop" -- "$POOLNET" train "${SMALL[@]}" --optimizer rmsprop --out x
expect_exit 2 "--padding-mode.*mirror" -- "$POOLNET" train "${SMALL[@]}" --padding-mode mirror --out x
expect_exit 2 "^poolnet: error: --tips-loss: .*alpha=two" -- "$POOLNET" train "${SMALL[@]}" --downsample tips --tips-loss alpha=two --out x
expect_exit 2 "^poolnet: error: --tips-loss: .*start_epoch" -- "$POOLNET" ablate "${SMALL[@]}" --strategies tips --tips-loss alpha=1,start_epoch=0 --out study
printf 'tips-loss = "gamma=1"\n' > bad_tips.toml
expect_exit 2 "--tips-loss: .*gamma" -- "$POOLNET" train "${SMALL[@]}" --config bad_tips.toml --out x
expect_exit 2 "--checkpoint.*missing" -- "$POOLNET" predict --checkpoint missing.safetensors --image missing.png
expect_exit 2 "--config.*nowhere" -- "$POOLNET" ablate --config "$WORK/nowhere/study.toml" --out study
expect_exit 1 "not found" -- "$POOLNET" train --dataset mnist --data-dir "$WORK/nowhere" --out x
echo "cli_errors: all cases gave the expected status and message"
