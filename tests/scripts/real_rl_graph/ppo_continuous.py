# PPO with a clipped objective and a Normal (diagonal Gaussian) policy on a 1-D point-mass task
import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Normal, Independent

torch.manual_seed(3)
np.random.seed(3)


class PointMass:
    """Drive a point towards the origin; action is a force in [-1, 1]^2."""
    def reset(self):
        self.pos = np.random.uniform(-1, 1, size=2)
        self.vel = np.zeros(2)
        self.t = 0
        return np.concatenate([self.pos, self.vel]).astype(np.float32)

    def step(self, a):
        a = np.clip(a, -1.0, 1.0)
        self.vel = 0.9 * self.vel + 0.1 * a
        self.pos = self.pos + 0.1 * self.vel
        self.t += 1
        reward = -float(np.sum(self.pos ** 2)) - 0.01 * float(np.sum(a ** 2))
        return np.concatenate([self.pos, self.vel]).astype(np.float32), reward, self.t >= 25


def layer_init(layer, std=np.sqrt(2), bias_const=0.0):
    torch.nn.init.orthogonal_(layer.weight, std)
    torch.nn.init.constant_(layer.bias, bias_const)
    return layer


class Agent(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.critic = nn.Sequential(layer_init(nn.Linear(obs_dim, 32)), nn.Tanh(),
                                    layer_init(nn.Linear(32, 1), std=1.0))
        self.actor_mean = nn.Sequential(layer_init(nn.Linear(obs_dim, 32)), nn.Tanh(),
                                        layer_init(nn.Linear(32, act_dim), std=0.01))
        self.actor_logstd = nn.Parameter(torch.zeros(1, act_dim))

    def get_value(self, x):
        return self.critic(x)

    def get_action_and_value(self, x, action=None):
        action_mean = self.actor_mean(x)
        action_logstd = self.actor_logstd.expand_as(action_mean)
        action_std = torch.exp(action_logstd)
        probs = Normal(action_mean, action_std)
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action).sum(1), probs.entropy().sum(1), self.critic(x)


env = PointMass()
agent = Agent(4, 2)
print(agent)
optimizer = torch.optim.Adam(agent.parameters(), lr=3e-3, eps=1e-5)
num_steps, gamma, gae_lambda, clip_coef, ent_coef, vf_coef = 50, 0.99, 0.95, 0.2, 0.0, 0.5
minibatch_size, update_epochs = 10, 3

obs = torch.zeros((num_steps, 4))
actions = torch.zeros((num_steps, 2))
logprobs = torch.zeros(num_steps)
rewards = torch.zeros(num_steps)
dones = torch.zeros(num_steps)
values = torch.zeros(num_steps)

next_obs = torch.Tensor(env.reset())
next_done = torch.zeros(1)
for update in range(1, 5):
    frac = 1.0 - (update - 1.0) / 4
    optimizer.param_groups[0]["lr"] = frac * 3e-3
    for step in range(num_steps):
        obs[step] = next_obs
        dones[step] = next_done
        with torch.no_grad():
            action, logprob, _, value = agent.get_action_and_value(next_obs.unsqueeze(0))
            values[step] = value.flatten()
        actions[step] = action[0]
        logprobs[step] = logprob[0]
        o, r, d = env.step(action[0].cpu().numpy())
        if d:
            o = env.reset()
        rewards[step] = torch.tensor(r).view(-1)
        next_obs, next_done = torch.Tensor(o), torch.Tensor([float(d)])

    with torch.no_grad():
        next_value = agent.get_value(next_obs.unsqueeze(0)).reshape(1, -1)
        advantages = torch.zeros_like(rewards)
        lastgaelam = 0
        for t in reversed(range(num_steps)):
            if t == num_steps - 1:
                nextnonterminal = 1.0 - next_done
                nextvalues = next_value
            else:
                nextnonterminal = 1.0 - dones[t + 1]
                nextvalues = values[t + 1]
            delta = rewards[t] + gamma * nextvalues * nextnonterminal - values[t]
            advantages[t] = lastgaelam = delta + gamma * gae_lambda * nextnonterminal * lastgaelam
        returns = advantages + values

    b_inds = np.arange(num_steps)
    clipfracs = []
    for epoch in range(update_epochs):
        perm = torch.randperm(num_steps)
        for start in range(0, num_steps, minibatch_size):
            mb_inds = perm[start:start + minibatch_size]
            _, newlogprob, entropy, newvalue = agent.get_action_and_value(obs[mb_inds], actions[mb_inds])
            logratio = newlogprob - logprobs[mb_inds]
            ratio = logratio.exp()
            with torch.no_grad():
                approx_kl = ((ratio - 1) - logratio).mean()
                clipfracs += [((ratio - 1.0).abs() > clip_coef).float().mean().item()]
            mb_advantages = advantages[mb_inds]
            mb_advantages = (mb_advantages - mb_advantages.mean()) / (mb_advantages.std() + 1e-8)
            pg_loss1 = -mb_advantages * ratio
            pg_loss2 = -mb_advantages * torch.clamp(ratio, 1 - clip_coef, 1 + clip_coef)
            pg_loss = torch.max(pg_loss1, pg_loss2).mean()
            newvalue = newvalue.view(-1)
            v_loss_unclipped = (newvalue - returns[mb_inds]) ** 2
            v_clipped = values[mb_inds] + torch.clamp(newvalue - values[mb_inds], -clip_coef, clip_coef)
            v_loss_clipped = (v_clipped - returns[mb_inds]) ** 2
            v_loss = 0.5 * torch.max(v_loss_unclipped, v_loss_clipped).mean()
            entropy_loss = entropy.mean()
            loss = pg_loss - ent_coef * entropy_loss + v_loss * vf_coef
            optimizer.zero_grad()
            loss.backward()
            gn = nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
            optimizer.step()
    y_pred, y_true = values.numpy(), returns.numpy()
    var_y = np.var(y_true)
    explained_var = np.nan if var_y == 0 else 1 - np.var(y_true - y_pred) / var_y
    print(f'update {update} lr {optimizer.param_groups[0]["lr"]:.6f} reward {rewards.sum().item():.4f} '
          f'pg {pg_loss.item():.5f} v {v_loss.item():.5f} ent {entropy_loss.item():.5f} kl {approx_kl.item():.6f} '
          f'clipfrac {np.mean(clipfracs):.4f} gradnorm {gn.item():.4f} ev {explained_var:.4f}')

print('perm', torch.randperm(8), torch.randperm(5, dtype=torch.int32))
print('logstd', agent.actor_logstd.data)
d = Normal(torch.zeros(2), torch.ones(2) * 0.5)
x = d.rsample((3,))
print('rsample', x.shape, x)
print('log_prob', d.log_prob(x))
print('entropy', d.entropy(), 'mean', d.mean, 'stddev', d.stddev, 'variance', d.variance)
print('cdf', d.cdf(torch.tensor([0.1, -0.3])), 'icdf', d.icdf(torch.tensor([0.25, 0.9])))
ind = Independent(Normal(torch.zeros(4, 2), torch.ones(4, 2)), 1)
print(ind, ind.batch_shape, ind.event_shape)
print('ind log_prob', ind.log_prob(torch.ones(4, 2)))
print(Normal(0.0, 1.0), Normal(torch.tensor(0.0), 2.0).scale)
print('clamp', torch.clamp(torch.tensor([0.5, 1.5, 0.9]), 0.8, 1.2), torch.tensor([1, 5, 9]).clamp(max=4))
