"""VQ-VAE on small synthetic images: conv encoder/decoder, a vector quantizer with an nn.Embedding
codebook, the straight-through estimator, commitment loss, and the EMA codebook variant whose
cluster sizes and sums live in buffers (sonnet / zalandoresearch style), with perplexity."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class VectorQuantizer(nn.Module):
    def __init__(self, num_embeddings, embedding_dim, commitment_cost):
        super().__init__()
        self._embedding_dim = embedding_dim
        self._num_embeddings = num_embeddings
        self._embedding = nn.Embedding(self._num_embeddings, self._embedding_dim)
        self._embedding.weight.data.uniform_(-1 / self._num_embeddings, 1 / self._num_embeddings)
        self._commitment_cost = commitment_cost

    def forward(self, inputs):
        inputs = inputs.permute(0, 2, 3, 1).contiguous()          # BCHW -> BHWC
        input_shape = inputs.shape
        flat_input = inputs.view(-1, self._embedding_dim)
        distances = (torch.sum(flat_input ** 2, dim=1, keepdim=True) + torch.sum(self._embedding.weight ** 2, dim=1)
                     - 2 * torch.matmul(flat_input, self._embedding.weight.t()))
        encoding_indices = torch.argmin(distances, dim=1).unsqueeze(1)
        encodings = torch.zeros(encoding_indices.shape[0], self._num_embeddings, device=inputs.device)
        encodings.scatter_(1, encoding_indices, 1)
        quantized = torch.matmul(encodings, self._embedding.weight).view(input_shape)
        e_latent_loss = F.mse_loss(quantized.detach(), inputs)
        q_latent_loss = F.mse_loss(quantized, inputs.detach())
        loss = q_latent_loss + self._commitment_cost * e_latent_loss
        quantized = inputs + (quantized - inputs).detach()
        avg_probs = torch.mean(encodings, dim=0)
        perplexity = torch.exp(-torch.sum(avg_probs * torch.log(avg_probs + 1e-10)))
        return loss, quantized.permute(0, 3, 1, 2).contiguous(), perplexity, encoding_indices


class VectorQuantizerEMA(nn.Module):
    def __init__(self, num_embeddings, embedding_dim, commitment_cost, decay, epsilon=1e-5):
        super().__init__()
        self._embedding_dim = embedding_dim
        self._num_embeddings = num_embeddings
        self._embedding = nn.Embedding(self._num_embeddings, self._embedding_dim)
        self._embedding.weight.data.normal_()
        self._commitment_cost = commitment_cost
        self.register_buffer('_ema_cluster_size', torch.zeros(num_embeddings))
        self._ema_w = nn.Parameter(torch.Tensor(num_embeddings, self._embedding_dim))
        self._ema_w.data.normal_()
        self._decay = decay
        self._epsilon = epsilon

    def forward(self, inputs):
        inputs = inputs.permute(0, 2, 3, 1).contiguous()
        input_shape = inputs.shape
        flat_input = inputs.view(-1, self._embedding_dim)
        distances = torch.cdist(flat_input, self._embedding.weight) ** 2
        encoding_indices = torch.argmin(distances, dim=1)
        encodings = F.one_hot(encoding_indices, self._num_embeddings).type(flat_input.dtype)
        quantized = self._embedding(encoding_indices).view(input_shape)
        if self.training:
            self._ema_cluster_size = self._ema_cluster_size * self._decay + (1 - self._decay) * torch.sum(encodings, 0)
            n = torch.sum(self._ema_cluster_size.data)
            self._ema_cluster_size = ((self._ema_cluster_size + self._epsilon)
                                      / (n + self._num_embeddings * self._epsilon) * n)
            dw = torch.matmul(encodings.t(), flat_input)
            self._ema_w = nn.Parameter(self._ema_w * self._decay + (1 - self._decay) * dw)
            self._embedding.weight = nn.Parameter(self._ema_w / self._ema_cluster_size.unsqueeze(1))
        e_latent_loss = F.mse_loss(quantized.detach(), inputs)
        loss = self._commitment_cost * e_latent_loss
        quantized = inputs + (quantized - inputs).detach()
        avg_probs = torch.mean(encodings, dim=0)
        perplexity = torch.exp(-torch.sum(avg_probs * torch.log(avg_probs + 1e-10)))
        return loss, quantized.permute(0, 3, 1, 2).contiguous(), perplexity, encoding_indices


class VQVAE(nn.Module):
    def __init__(self, vq, hidden=16, emb_dim=8):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(1, hidden, 4, 2, 1), nn.ReLU(), nn.Conv2d(hidden, hidden, 4, 2, 1),
                                     nn.ReLU(), nn.Conv2d(hidden, emb_dim, 1))
        self.vq = vq
        self.decoder = nn.Sequential(nn.ConvTranspose2d(emb_dim, hidden, 4, 2, 1), nn.ReLU(),
                                     nn.ConvTranspose2d(hidden, 1, 4, 2, 1))

    def forward(self, x):
        z = self.encoder(x)
        vq_loss, q, perplexity, idx = self.vq(z)
        return vq_loss, self.decoder(q), perplexity, idx


# blobs on a 16x16 grid
yy, xx = torch.meshgrid(torch.arange(16.), torch.arange(16.), indexing='ij')
centers = torch.randint(3, 13, (24, 2)).float()
data = torch.exp(-((yy - centers[:, 0, None, None]) ** 2 + (xx - centers[:, 1, None, None]) ** 2) / 8.)
data = data.unsqueeze(1)
data_variance = data.var().item()
print('data', data.shape, 'var %.5f' % data_variance)

for name, vq in [('plain', VectorQuantizer(16, 8, 0.25)), ('ema', VectorQuantizerEMA(16, 8, 0.25, 0.9))]:
    torch.manual_seed(1)
    model = VQVAE(vq)
    print(f'--- {name}: params {sum(p.numel() for p in model.parameters() if p.requires_grad)}')
    print('vq state_dict:', {k: tuple(v.shape) for k, v in model.vq.state_dict().items()})
    opt = torch.optim.Adam(model.parameters(), lr=2e-3, amsgrad=False)
    for step in range(10):
        vq_loss, recon, perplexity, idx = model(data)
        recon_error = F.mse_loss(recon, data) / data_variance
        loss = recon_error + vq_loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f'{name} step {step} recon {recon_error.item():.4f} vq {vq_loss.item():.5f} '
              f'perplexity {perplexity.item():.3f} used {idx.unique().numel()}')
    # the straight-through estimator passes the decoder's gradient to the encoder
    enc_grad = model.encoder[0].weight.grad
    print('encoder grad norm %.6f' % enc_grad.norm().item())
    print('codes of image 0:\n', idx.view(24, 4, 4)[0])
    if name == 'ema':
        print('ema cluster size:', model.vq._ema_cluster_size)
        print('cluster size sum %.4f' % model.vq._ema_cluster_size.sum().item())
        print('is buffer:', '_ema_cluster_size' in dict(model.vq.named_buffers()))
    model.eval()
    with torch.no_grad():
        _, recon, perplexity, idx = model(data[:4])
        print('eval recon', recon.shape, 'perplexity %.4f' % perplexity.item(), 'idx', idx.flatten()[:8].tolist())
        hist = torch.bincount(idx.flatten(), minlength=16)
        print('code histogram:', hist.tolist())
