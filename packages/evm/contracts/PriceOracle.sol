// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";

/// The storage price in the chain's native token, kept in line with Crust's storage price by the
/// whitelisted price setters (order nodes). Same formula as Crust's PriceOracle:
///   price = (basePrice + size * bytePrice / 2^20) * (servicePriceRate + 100) / 100 * 10^5 / CRUETHRATE * 10^6
/// with basePrice and bytePrice in Crust's smallest unit (12 decimals), CRUETHRATE (5 decimals)
/// the CRU/ETH rate, and 10^6 lifting 12 decimals to 18. A permanent order costs 200 times that.
contract PriceOracle is Initializable, OwnableUpgradeable, UUPSUpgradeable {
    uint256 public constant PERMANENT_MULTIPLIER = 200;

    uint256 public basePrice;
    uint256 public bytePrice;
    uint256 public servicePriceRate;
    uint256 public sizeLimit;
    uint256 public CRUETHRATE;
    mapping(address => bool) public priceSetters;

    event PriceSetterAdded(address setter);
    event PriceSetterRemoved(address setter);

    modifier onlyPriceSetter() {
        require(priceSetters[msg.sender], "Not a price setter");
        _;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    function initialize(
        address owner_,
        uint256 basePrice_,
        uint256 bytePrice_,
        uint256 servicePriceRate_,
        uint256 cruEthRate_,
        uint256 sizeLimit_
    ) public initializer {
        require(cruEthRate_ > 0, "CRU/ETH rate must be positive");
        __Ownable_init(owner_);
        basePrice = basePrice_;
        bytePrice = bytePrice_;
        servicePriceRate = servicePriceRate_;
        CRUETHRATE = cruEthRate_;
        sizeLimit = sizeLimit_;
        priceSetters[owner_] = true;
    }

    // Only the owner may replace the implementation (UUPS).
    function _authorizeUpgrade(address) internal override onlyOwner {}

    function addPriceSetter(address setter) external onlyOwner {
        priceSetters[setter] = true;
        emit PriceSetterAdded(setter);
    }

    function removePriceSetter(address setter) external onlyOwner {
        require(priceSetters[setter], "Unknown price setter");
        priceSetters[setter] = false;
        emit PriceSetterRemoved(setter);
    }

    function setOrderPrice(uint256 basePrice_, uint256 bytePrice_) external onlyPriceSetter {
        basePrice = basePrice_;
        bytePrice = bytePrice_;
    }

    function setCRUETHRATE(uint256 rate) external onlyPriceSetter {
        require(rate > 0, "CRU/ETH rate must be positive");
        CRUETHRATE = rate;
    }

    function setServicePriceRate(uint256 rate) external onlyPriceSetter {
        servicePriceRate = rate;
    }

    function setSizeLimit(uint256 limit) external onlyPriceSetter {
        sizeLimit = limit;
    }

    function getPrice(uint256 size, bool isPermanent) public view returns (uint256) {
        require(size <= sizeLimit, "Size exceeds limit");
        uint256 price = (((basePrice + (size * bytePrice) / 1048576) * (servicePriceRate + 100)) / 100) * 100000 / CRUETHRATE * 1000000;
        return isPermanent ? price * PERMANENT_MULTIPLIER : price;
    }
}
